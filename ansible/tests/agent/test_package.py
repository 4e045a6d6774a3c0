# -*- coding: utf-8 -*-
"""linux_patch_api.agent.package against a real agent on an apt sandbox root (tests run in order)."""
from conftest import DEP, HELLO, SEC, agent_supports



def test_check_mode_plans_or_refuses_and_changes_nothing(run, fleet):
    before = fleet.installed()
    result = run('package', check_mode=True, diff=True, name=DEP)
    if agent_supports(run, 'install', 'dry_run'):
        assert result.get('failed') is not True, result
        assert result['changed'] is True
        assert [(p['name'], p['action']) for p in result['plan']] == [(DEP, 'installed')]
        assert result['diff']['after'] == '%s 1.0-1\n' % DEP
    else:
        assert result['failed'] is True
        assert result['error_code'] == 'NOT_SUPPORTED'
        assert 'nothing was sent' in result['msg']
    assert fleet.installed() == before


def test_install_reports_the_measured_change_and_a_second_run_starts_no_job(run, fleet):
    first = run('package', name=DEP, diff=True)
    assert first.get('failed') is not True, first
    assert first['changed'] is True
    assert first['job']['status'] == 'completed'
    assert [(c['name'], c['action'], c['to_version']) for c in first['changes']] == [(DEP, 'installed', '1.0-1')]
    assert first['diff']['before'] == '' and first['diff']['after'] == '%s 1.0-1\n' % DEP
    assert fleet.installed()[DEP] == '1.0-1'

    second = run('package', name=DEP)
    assert second['changed'] is False
    assert second['jobs'] == []
    assert 'job' not in second


def test_latest_upgrades_and_version_downgrades(run, fleet):
    latest = run('package', name=[HELLO, DEP], state='latest', diff=True)
    assert latest.get('failed') is not True, latest
    assert latest['changed'] is True
    assert fleet.installed()[HELLO] == '1.1-1'
    assert '%s 1.0-1' % HELLO in latest['diff']['before'] and '%s 1.1-1' % HELLO in latest['diff']['after']
    assert run('package', name=[HELLO, DEP], state='latest')['changed'] is False

    down = run('package', name=HELLO, version='1.0-1')
    assert down.get('failed') is not True, down
    assert [(c['name'], c['action'], c['from_version'], c['to_version']) for c in down['changes']] == [
        (HELLO, 'downgraded', '1.1-1', '1.0-1')]
    assert fleet.installed()[HELLO] == '1.0-1'
    assert run('package', name=HELLO, version='1.0-1')['changed'] is False


def test_absent_removes_once(run, fleet):
    removed = run('package', name=[SEC], state='absent')
    assert removed.get('failed') is not True, removed
    assert removed['changed'] is True
    assert [(c['name'], c['action']) for c in removed['changes']] == [(SEC, 'removed')]
    assert SEC not in fleet.installed()
    again = run('package', name=[SEC], state='absent')
    assert again['changed'] is False and again['jobs'] == []


def test_a_failed_job_fails_the_task_with_the_agents_error_code(run, fleet):
    before = fleet.installed()
    result = run('package', name='lpa-fixture-missing')
    assert result['failed'] is True
    assert result['job']['status'] == 'failed'
    assert result['error_code'] == result['job']['error']['code']
    assert result['msg'].startswith(result['job']['error']['code'] + ': job ')
    assert result['changed'] is False
    assert fleet.installed() == before


def test_a_refused_name_fails_with_validation_error_and_starts_nothing(run, fleet):
    before = fleet.installed()
    result = run('package', name='-oAPT::Get::Foo=1')
    assert result['failed'] is True
    assert result['error_code'] == 'VALIDATION_ERROR'
    assert result['msg'].startswith('VALIDATION_ERROR: ')
    assert fleet.installed() == before


def test_connection_settings_come_from_the_environment(run, fleet):
    connection = fleet.connection()
    env = dict(LPA_URL=connection['url'], LPA_CLIENT_CERT=connection['client_cert'],
               LPA_CLIENT_KEY=connection['client_key'], LPA_CA_PATH=connection['ca_path'])
    result = run('package', with_connection=False, env=env, name=DEP)
    assert result.get('failed') is not True, result
    assert result['changed'] is False
    missing = run('package', with_connection=False, name=DEP)
    assert missing['failed'] is True
    assert 'url' in missing['msg']


def test_a_wrong_ca_is_refused_before_any_request(run, fleet, tmp_path):
    other_ca = tmp_path / 'other-ca.pem'
    other_ca.write_text(open(fleet.client['cert']).read())
    result = run('package', name=DEP, ca_path=str(other_ca))
    assert result['failed'] is True
    assert result['error_code'] == 'CONNECTION_ERROR'
