# -*- coding: utf-8 -*-
"""linux_patch_api.agent.patch, baseline, rollback and job_info against a real agent (tests run in order).

The root starts with lpa-fixture-hello 1.0-1 and lpa-fixture-sec 1.0-1; the repositories offer hello
1.1-1 (which needs lpa-fixture-dep) and sec 1.1-1 as a security update.
"""
import fcntl
import json
import os

from conftest import DEP, HELLO, SEC, agent_supports


state = {}


def summary(entries):
    return sorted('%s %s %s>%s' % (e['action'], e['name'], e['from_version'] or '-', e['to_version'] or '-') for e in entries)


def test_check_mode_returns_the_plan_and_changes_nothing(run, fleet):
    before = fleet.installed()
    result = run('patch', check_mode=True, diff=True)
    assert result.get('failed') is not True, result
    assert result['changed'] is True
    assert summary(result['plan']) == [
        'installed %s ->1.0-1' % DEP, 'upgraded %s 1.0-1>1.1-1' % HELLO, 'upgraded %s 1.0-1>1.1-1' % SEC]
    assert result['job']['request']['dry_run'] is True
    assert result['diff']['before'] == '%s 1.0-1\n%s 1.0-1\n' % (HELLO, SEC)
    assert fleet.installed() == before


def test_security_only_applies_the_security_update_and_is_idempotent(run, fleet):
    applied = run('patch', security_only=True)
    assert applied.get('failed') is not True, applied
    assert applied['changed'] is True
    assert summary(applied['changes']) == ['upgraded %s 1.0-1>1.1-1' % SEC]
    assert fleet.installed() == {HELLO: '1.0-1', SEC: '1.1-1'}
    state['security_job'] = applied['job']['id']

    again = run('patch', security_only=True)
    assert again['changed'] is False
    assert 'job' not in again


def test_baseline_from_a_job_is_written_once(run, fleet, tmp_path):
    dest = str(tmp_path / 'baseline.json')
    first = run('baseline', name='sec-2026-12', job_id=state['security_job'], dest=dest)
    assert first.get('failed') is not True, first
    assert first['changed'] is True
    written = json.load(open(dest))
    assert written['name'] == 'sec-2026-12'
    assert written['packages'] == [{'name': SEC, 'version': '1.1-1'}]
    assert written['source_host'] and written['created_at'].endswith('Z')
    assert run('baseline', name='sec-2026-12', job_id=state['security_job'], dest=dest)['changed'] is False

    offered = run('baseline', name='offered', check_mode=True, dest=str(tmp_path / 'offered.json'))
    assert offered['changed'] is True
    # What applying the offered updates would install: hello 1.1-1 and the dependency it needs.
    assert offered['baseline']['packages'] == [{'name': DEP, 'version': '1.0-1'}, {'name': HELLO, 'version': '1.1-1'}]
    assert not os.path.exists(str(tmp_path / 'offered.json'))


def test_rollback_inverts_the_job_once(run, fleet):
    planned = run('rollback', check_mode=True, job_id=state['security_job'])
    assert planned.get('failed') is not True, planned
    assert summary(planned['plan']) == ['downgraded %s 1.1-1>1.0-1' % SEC]
    assert fleet.installed()[SEC] == '1.1-1'

    rolled = run('rollback', job_id=state['security_job'])
    assert rolled.get('failed') is not True, rolled
    assert rolled['changed'] is True
    assert rolled['job']['rollback_of'] == state['security_job']
    assert fleet.installed()[SEC] == '1.0-1'

    again = run('rollback', job_id=state['security_job'])
    assert again['changed'] is False
    assert again['job']['id'] == rolled['job']['id']


def test_pinned_apply_brings_exact_versions_or_refuses(run, fleet, tmp_path):
    before = fleet.installed()
    pairs = [{'name': HELLO, 'version': '1.1-1'}, {'name': DEP, 'version': '1.0-1'}]
    if not agent_supports(run, 'patch_apply', 'pinned_versions'):
        result = run('patch', packages=pairs)
        assert result['failed'] is True
        assert result['error_code'] == 'NOT_SUPPORTED'
        assert 'newer than the baseline' in result['msg']
        assert fleet.installed() == before
        return
    missing = run('patch', packages=[{'name': HELLO, 'version': '9.9-9'}])
    assert missing['failed'] is True
    assert missing['error_code'] == 'VERSION_UNAVAILABLE'
    assert fleet.installed() == before

    baseline = tmp_path / 'pinned.json'
    baseline.write_text(json.dumps({'name': 'pinned', 'created_at': '2026-12-07T00:00:00Z', 'source_host': 'x', 'packages': pairs}))
    applied = run('patch', baseline=str(baseline))
    assert applied.get('failed') is not True, applied
    assert applied['changed'] is True
    assert fleet.installed()[HELLO] == '1.1-1' and fleet.installed()[DEP] == '1.0-1'
    assert run('patch', baseline=str(baseline))['changed'] is False


def test_plan_hash_applies_exactly_the_plan(run, fleet):
    if not agent_supports(run, 'patch_apply', 'dry_run') or run('info').get('capabilities') is None:
        refused = run('patch', plan_hash='0' * 64)
        assert refused['failed'] is True and refused['error_code'] == 'NOT_SUPPORTED'
        return
    planned = run('patch', check_mode=True, security_only=True)
    assert planned['plan_hash']
    applied = run('patch', security_only=True, plan_hash=planned['plan_hash'])
    assert applied.get('failed') is not True, applied
    assert summary(applied['changes']) == summary(planned['plan'])


def test_a_retried_task_adopts_the_running_job_instead_of_starting_another(run, fleet):
    # An fcntl lock on apt's frontend lock keeps the agent's job waiting (running) meanwhile.
    lock_path = os.path.join(fleet.root(), 'var/lib/dpkg/lock-frontend')
    with open(lock_path, 'a') as lock:
        fcntl.lockf(lock, fcntl.LOCK_EX)
        started = run('package', name=HELLO, state='absent', wait=False)
        assert started.get('failed') is not True, started
        assert started['changed'] is True
        job_id = started['job']['id']
        retried = run('package', name=HELLO, state='absent', wait=False)
        assert retried['job']['id'] == job_id
        fcntl.lockf(lock, fcntl.LOCK_UN)
    finished = run('job_info', id=job_id, wait=True)
    assert finished['finished'] is True
    assert finished['job']['status'] == 'completed', finished['job']
    listed = run('job_info', id=job_id)
    assert listed['job']['id'] == job_id
    assert HELLO not in fleet.installed()
