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
    The booted deployment stays; rebooting is left to the operator (C(reboot_required) in C(info)).
  - C(state=deployed) with a C(ref) other than the default deployment's origin rebases to it
    (C(POST /deployments)); a C(ref) without C(remote:) names the ref on the origin's remote, as the agent
    qualifies it. With the same ref, or without C(ref), it deploys the newest commit of the origin
    (C(POST /patches/apply)); the agent refreshes its view of the remote first, so a commit published since its
    last refresh is found, and a job that finds nothing newer measures no change (C(changed=false)).
  - C(checksum) names the commit that must be the default after the task. A host whose default already is that
    commit is left alone (no job); a host that got a different commit (the ref moved on meanwhile) fails the task
    with C(COMMIT_MISMATCH), in check mode too when the plan's target differs.
  - C(state=rolled_back) makes the previous deployment the default (C(POST /deployments/rollback)). With
    C(checksum) it is a state, not an action - the default is not that commit - so a host whose default is
    another commit is left alone and a second run is C(changed=false); without it every run rolls back once more
    (and fails C(CONFLICT) when there is no earlier deployment).
  - In check mode the agent plans (C(dry_run)); the task returns the plan, and C(deployment) is the commit that
    would be the default. C(--diff) shows the default deployment and the package versions before and after.
version_added: 1.0.0
author: linux-patch-api maintainers
extends_documentation_fragment:
  - linux_patch_api.agent.connection
options:
  ref:
    description: The refspec to follow (for example C(lpaos:lpa/x86_64/prod), or C(lpa/x86_64/prod) on the origin's
      remote); default the current origin.
    type: str
  checksum:
    description:
      - With C(state=deployed), the commit the default deployment must be after the task (promote exactly what
        canary got).
      - With C(state=rolled_back), the commit to move away from (the one a failed deployment made the default).
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
    support: full
'''

EXAMPLES = r'''
- name: Deploy the newest prod commit (rebasing from dev when that is the origin)
  linux_patch_api.agent.deployment:
    ref: lpaos:lpa/x86_64/prod
  register: deployed

- name: Promote exactly the canary's commit
  linux_patch_api.agent.deployment:
    ref: lpaos:lpa/x86_64/prod
    checksum: "{{ hostvars[groups.canary[0]].deployed.deployment.checksum }}"

- name: Back to the previous deployment, once
  linux_patch_api.agent.deployment:
    state: rolled_back
    checksum: "{{ deployed.deployment.checksum }}"
'''

RETURN = r'''
deployment:
  description: The default deployment after the task (index 0 of C(GET /deployments)); in check mode the planned
    default (C(osname), C(checksum), C(version), C(origin)).
  returned: always
  type: dict
before:
  description: The default deployment before the task.
  returned: always
  type: dict
job:
  description: The job that ran (C(patch_apply), C(deployment_rebase) or C(deployment_rollback)).
  returned: when a job ran
  type: dict
changes:
  description: The job's measured changes (the image as one entry named for the osname, then its packages).
  returned: when a job ran, not in check mode
  type: list
  elements: dict
plan:
  description: In check mode, the agent's plan (the same entries as C(changes)).
  returned: in check mode when a job ran
  type: list
  elements: dict
plan_hash:
  description: In check mode, the plan's hash.
  returned: in check mode when a job ran
  type: str
error_code:
  description: The agent's error code, or C(COMMIT_MISMATCH), when the task failed.
  returned: on failure
  type: str
'''

from ansible_collections.linux_patch_api.agent.plugins.module_utils.agent_client import AgentError, agent_module, run_module
from ansible_collections.linux_patch_api.agent.plugins.module_utils.job_runner import TERMINAL, JobRunner, diff_of


def default_deployment(client):
    deployments = client.read('/deployments').data.get('deployments') or []
    return deployments[0] if deployments else None


def same_ref(ref, origin):
    """Whether ``ref`` (``remote:ref``, or a ref the agent qualifies with the origin's remote) names ``origin``."""
    if origin is None:
        return False
    if ':' in ref:
        return ref == origin
    return origin.split(':', 1)[-1] == ref


def describe(deployment):
    if not deployment:
        return 'no deployment'
    return '%s %s (%s)' % (deployment.get('osname') or '', deployment.get('version') or '', deployment.get('checksum'))


def deployment_diff(current, target, entries):
    """``--diff`` output: the default deployment before and after, then the package versions that change."""
    osname = (current or target or {}).get('osname')
    packages = diff_of([entry for entry in entries if entry.get('name') != osname], 'deployment')
    return dict(before='%s\n%s' % (describe(current), packages['before']),
                after='%s\n%s' % (describe(target), packages['after']),
                before_header='default deployment (before)', after_header='default deployment (after)')


def start_job(module, client, current):
    """The job this task needs, as (method, path, job type, body), or None when the host is already there."""
    ref, checksum, state = module.params['ref'], module.params['checksum'], module.params['state']
    dry = dict(dry_run=True) if module.check_mode else {}
    if state == 'rolled_back':
        if checksum is not None and (current or {}).get('checksum') != checksum:
            return None  # the default is no longer the commit to leave: rolled back already
        return 'POST', '/deployments/rollback', 'deployment_rollback', dry or None
    if ref is not None and current is not None and not same_ref(ref, current.get('origin')):
        return 'POST', '/deployments', 'deployment_rebase', dict(dict(ref=ref), **dry)
    if checksum is not None and current is not None and current.get('checksum') == checksum:
        return None
    # GET /patches answers from the agent's cache, which may predate the newest commit; an apply
    # refreshes first (dry runs too), so it is what finds out whether there is anything to deploy.
    return 'POST', '/patches/apply', 'patch_apply', dry


def ensure(module, client):
    if not client.supports('deployments', None):
        raise AgentError('NOT_SUPPORTED', '%s manages no deployments (not an atomic host)' % client.describe_agent())
    checksum, state = module.params['checksum'], module.params['state']
    current = default_deployment(client)
    result = dict(changed=False, deployment=current, before=current)
    request = start_job(module, client, current)
    if request is None:
        if module._diff:
            result['diff'] = deployment_diff(current, current, [])
        return result
    job, adopted = JobRunner(module, client).run(*request)
    result.update(job=job, adopted=adopted)
    planned = job.get('deployment') or {}
    if module.check_mode:
        plan = job.get('plan') or []
        target = planned.get('to') if plan else current
        # What would be the default: the plan's target (checksum, version, origin), not a listed deployment.
        result.update(changed=bool(plan), plan=plan, plan_hash=job.get('plan_hash'),
                      deployment=dict(osname=(current or {}).get('osname'), **target) if target else current)
        entries = plan
    elif job.get('status') not in TERMINAL:
        result['changed'] = True  # wait=false: the job was started
        return result
    else:
        after = default_deployment(client)
        result.update(deployment=after, changes=job.get('changes') or [],
                      changed=(after or {}).get('checksum') != (current or {}).get('checksum'))
        entries = result['changes']
    if module._diff:
        result['diff'] = deployment_diff(current, result['deployment'], entries)
    reached = (result['deployment'] or {}).get('checksum')
    if checksum is not None and state == 'deployed' and reached != checksum:
        module.fail_json(msg='COMMIT_MISMATCH: the default deployment %s %s, not %s (the ref moved on?)' % (
            'would be' if module.check_mode else 'is', reached, checksum), error_code='COMMIT_MISMATCH', **result)
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
