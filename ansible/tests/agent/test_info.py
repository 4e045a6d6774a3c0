# -*- coding: utf-8 -*-
from conftest import HELLO, SEC



def test_info_gathers_every_fact_the_agent_has(run, fleet):
    result = run('info')
    assert result.get('failed') is not True, result
    assert result['changed'] is False
    installed = dict((p['name'], p['version']) for p in result['packages'])
    assert installed == fleet.installed()
    assert installed[HELLO] == '1.0-1'
    assert sorted(p['name'] for p in result['patches']) == [HELLO, SEC]
    assert result['health']['status'] in ('healthy', 'degraded')
    assert result['system']['reboot_required'] in (True, False)
    assert 'deployments' not in result
