#!/usr/bin/python
# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: deployment
short_description: Deploy, rebase or roll back an atomic (OSTree) host through a linux-patch-api agent
description:
  - On hosts whose agent manages OSTree deployments (capability C(operations.deployments)), makes the newest
    commit of a ref the default deployment for the next boot, or makes the previous deployment the default again.
  - C(state=deployed) with a C(ref) other than the default deployment's origin rebases to it
    (C(POST /deployments)); with the same ref, or without C(ref), it deploys the newest commit of the origin
    (C(POST /patches/apply)) when there is one. Nothing newer to deploy means C(changed=false) and no job.
  - C(checksum) names the commit that must end up as the default; a host that got a different commit (the ref
    moved meanwhile) fails the task with C(COMMIT_MISMATCH), and the playbook rolls it back.
  - C(state=rolled_back) makes the previous deployment the default (C(POST /deployments/rollback)).
  - In check mode the agent plans (C(dry_run)) and the plan is returned.
version_added: 1.0.0
author: linux-patch-api maintainers
extends_documentation_fragment:
  - linux_patch_api.agent.connection
options:
  ref:
    description: The refspec to follow (for example C(lpaos:lpa/x86_64/prod)); default the current origin.
    type: str
  checksum:
    description: The commit the default deployment must be after the task (promote exactly what canary got).
    type: str
  state:
    description: C(deployed) or C(rolled_back).
    type: str
    choices: [deployed, rolled_back]
    default: deployed
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
'''

EXAMPLES = r'''
- name: Deploy the newest prod commit
  linux_patch_api.agent.deployment:
    ref: lpaos:lpa/x86_64/prod
  register: deployed

- name: Promote exactly the canary's commit
  linux_patch_api.agent.deployment:
    ref: lpaos:lpa/x86_64/prod
    checksum: "{{ hostvars[groups.canary[0]].deployed.deployment.checksum }}"

- name: Back to the previous deployment
  linux_patch_api.agent.deployment:
    state: rolled_back
'''

RETURN = r'''
deployment:
  description: The default deployment after the task (index 0 of C(GET /deployments)).
  returned: always
  type: dict
job:
  description: The job that ran (upgrade, rebase or rollback).
  returned: when a job ran
  type: dict
plan:
  description: In check mode, the agent's plan.
  returned: in check mode when a job ran
  type: raw
error_code:
  description: The agent's error code, or C(COMMIT_MISMATCH), when the task failed.
  returned: on failure
  type: str
'''

from ansible_collections.linux_patch_api.agent.plugins.module_utils.agent_client import AgentError, agent_module, run_module
from ansible_collections.linux_patch_api.agent.plugins.module_utils.job_runner import JobRunner


def default_deployment(client):
    deployments = client.read('/deployments').data.get('deployments') or []
    return deployments[0] if deployments else None


def ensure(module, client):
    if not client.supports('deployments', None):
        raise AgentError('NOT_SUPPORTED', '%s manages no deployments (not an atomic host)' % client.describe_agent())
    ref, checksum, state = module.params['ref'], module.params['checksum'], module.params['state']
    current = default_deployment(client)
    runner = JobRunner(module, client)
    dry = dict(dry_run=True) if module.check_mode else {}
    if state == 'rolled_back':
        job, adopted = runner.run('POST', '/deployments/rollback', 'deployment_rollback', dry or None)
    elif ref is not None and current is not None and current.get('origin') != ref:
        job, adopted = runner.run('POST', '/deployments', 'deployment_rebase', dict(dict(ref=ref), **dry))
    elif checksum is not None and current is not None and current.get('checksum') == checksum:
        return dict(changed=False, deployment=current)
    else:
        patches = client.read('/patches').data.get('patches') or []
        if not patches:
            job, adopted = None, False
        else:
            job, adopted = runner.run('POST', '/patches/apply', 'patch_apply', dry or {})
    result = dict(changed=False, deployment=current)
    if job is not None:
        result.update(job=job, adopted=adopted)
        if module.check_mode:
            result.update(changed=True, plan=job.get('plan'))
            return result
    after = default_deployment(client)
    result['deployment'] = after
    if job is not None:
        result['changed'] = (after or {}).get('checksum') != (current or {}).get('checksum')
    if checksum is not None and state == 'deployed' and (after or {}).get('checksum') != checksum:
        module.fail_json(msg='COMMIT_MISMATCH: the default deployment is %s, not %s (the ref moved on?)' % (
            (after or {}).get('checksum'), checksum), error_code='COMMIT_MISMATCH', **result)
    return result


def main():
    module = agent_module(
        dict(ref=dict(type='str'), checksum=dict(type='str'),
             state=dict(type='str', default='deployed', choices=['deployed', 'rolled_back'])),
        supports_check_mode=True,
    )
    run_module(module, lambda client: ensure(module, client))


if __name__ == '__main__':
    main()
