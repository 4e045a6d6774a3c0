#!/usr/bin/python
# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: rollback
short_description: Roll a job of a linux-patch-api agent back
description:
  - Inverts a completed or failed job's recorded changes with C(POST /jobs/{id}/rollback). Installed packages
    are removed, removed ones reinstalled and upgraded ones downgraded to their earlier versions.
  - A job is rolled back once. A job that was already rolled back, or that changed nothing, is left alone and
    the task reports C(changed=false) without starting a job.
  - While a rollback runs the agent refuses other requests; the module waits for it like for any job.
  - In check mode nothing is sent that could start a job. The agent is asked for a plan where its capabilities
    declare rollback dry runs; otherwise the plan is the inversion of the job's recorded changes (what a
    rollback does), and a rollback the agent predicts as impossible fails with C(ROLLBACK_IMPOSSIBLE).
version_added: 1.0.0
author: linux-patch-api maintainers
extends_documentation_fragment:
  - linux_patch_api.agent.connection
options:
  job_id:
    description: The id of the job to roll back.
    type: str
    required: true
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
'''

EXAMPLES = r'''
- name: Undo the patch job of this host
  linux_patch_api.agent.rollback:
    job_id: "{{ applied.job.id }}"
  when: applied.job is defined
'''

RETURN = r'''
job:
  description: The rollback job (its C(rollback_of) is C(job_id)).
  returned: when a rollback job exists
  type: dict
changes:
  description: The rollback's measured changes.
  returned: when a rollback ran, not in check mode
  type: list
  elements: dict
plan:
  description: In check mode, what the rollback would change.
  returned: in check mode
  type: list
  elements: dict
plan_source:
  description: C(agent) when the agent planned it (dry run), C(recorded changes) when it is the inversion of the job's changes.
  returned: in check mode
  type: str
error_code:
  description: The agent's error code when the task failed (for example C(ROLLBACK_IMPOSSIBLE), C(CONFLICT)).
  returned: on failure
  type: str
'''

from ansible_collections.linux_patch_api.agent.plugins.module_utils.agent_client import AgentError, agent_module, run_module
from ansible_collections.linux_patch_api.agent.plugins.module_utils.job_runner import TERMINAL, JobRunner, diff_of, fail_on_job, job_result

INVERSE = {'installed': 'removed', 'removed': 'installed', 'upgraded': 'downgraded', 'downgraded': 'upgraded'}


def inverted(changes):
    return [dict(name=c['name'], action=INVERSE.get(c['action'], c['action']), from_version=c.get('to_version'),
                 to_version=c.get('from_version')) for c in changes]


def planned(module, client, job):
    if client.supports('rollback', 'dry_run'):
        runner = JobRunner(module, client)
        plan_job = runner.wait(client.submit('POST', '/jobs/%s/rollback' % job['id'], dict(dry_run=True)).data)
        result = job_result(module, plan_job, False, 'rollback')
        result['plan_source'] = 'agent'
        return result
    prediction = job.get('rollback') or {}
    if prediction.get('possible') is False:
        raise AgentError('ROLLBACK_IMPOSSIBLE', 'the agent predicts job %s cannot be rolled back: %s' % (job['id'], prediction.get('reason')))
    plan = inverted(job.get('changes') or [])
    result = dict(changed=bool(plan), plan=plan, plan_source='recorded changes')
    if module._diff:
        result['diff'] = diff_of(plan, 'rollback')
    return result


def roll_back(module, client):
    job_id = module.params['job_id']
    runner = JobRunner(module, client)
    job = client.read('/jobs/%s' % job_id).data
    if job.get('rolled_back_by'):
        rollback_job = client.read('/jobs/%s' % job['rolled_back_by']).data
        if rollback_job.get('status') in TERMINAL or not module.params['wait']:
            return dict(changed=False, job=rollback_job, changes=[])
        # Started by an earlier attempt of this task that lost its answer: follow it.
        return job_result(module, runner.wait(rollback_job), True, 'rollback')
    if not job.get('changes'):
        return dict(changed=False, changes=[], msg='job %s changed nothing; there is nothing to roll back' % job_id)
    if module.check_mode:
        return planned(module, client, job)
    try:
        started = client.submit('POST', '/jobs/%s/rollback' % job_id).data
    except AgentError as error:
        if not (error.sent or error.code == 'CONFLICT'):
            raise
        # Either the answer was lost or someone else rolled it back meanwhile: the job record says which.
        rolled_back_by = client.read('/jobs/%s' % job_id).data.get('rolled_back_by')
        if not rolled_back_by:
            raise
        started = client.read('/jobs/%s' % rolled_back_by).data
    if not module.params['wait']:
        return dict(changed=True, job=started)
    finished = runner.wait(started)
    fail_on_job(module, finished)
    return job_result(module, finished, False, 'rollback')


def main():
    module = agent_module(dict(job_id=dict(type='str', required=True)), supports_check_mode=True)
    run_module(module, lambda client: roll_back(module, client))


if __name__ == '__main__':
    main()
