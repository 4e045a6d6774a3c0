#!/usr/bin/python
# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: package
short_description: Install, update or remove packages through a linux-patch-api agent
description:
  - Brings packages to a state on the agent's host. The installed set is read first; only packages not
    yet in the state are sent to the agent, so a second run reports C(changed=false) and starts no job.
  - C(changed) comes from the job's measured C(changes), never from the request.
  - In check mode the agent plans the change (C(dry_run)) and the plan is returned; an agent that cannot
    plan this operation (contract 1.0, or a capability it does not declare) fails the task in check mode
    instead of guessing.
version_added: 1.0.0
author: linux-patch-api maintainers
extends_documentation_fragment:
  - linux_patch_api.agent.connection
options:
  name:
    description: One package name or a list of names.
    type: list
    elements: str
    required: true
  version:
    description:
      - The exact version for C(state=present) (upgrade or downgrade to it). Only with a single C(name).
    type: str
  state:
    description:
      - C(present) installs what is missing (and, with C(version), moves the package to that version).
      - C(latest) also upgrades installed packages that have an update. Whether one has is read from the agent's
        cached package index; when that shows no update for an installed name, the agent plans the upgrade
        (a C(dry_run) patch apply, which refreshes the index first), so a version published since the agent's
        last refresh is not missed. A host already at the newest versions gets that dry run and no other job.
      - C(absent) removes installed packages.
    type: str
    choices: [present, absent, latest]
    default: present
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
notes:
  - The API removes one package per request, so C(state=absent) with several installed names starts one job per
    name; C(state=latest) starts one install job for missing names and one patch job for the installed ones.
    Every job is started once.
'''

EXAMPLES = r'''
- name: Pin curl at a tested version
  linux_patch_api.agent.package:
    name: curl
    version: 7.88.1-10+deb12u5
  register: curl

- name: Keep tools current
  linux_patch_api.agent.package:
    name: [jq, htop]
    state: latest

- name: Remove telnet
  linux_patch_api.agent.package:
    name: telnet
    state: absent
'''

RETURN = r'''
job:
  description: The last job the task ran (id, status, changes, plan, log, error, ...).
  returned: when a job ran
  type: dict
jobs:
  description: Every job the task ran, in order.
  returned: always
  type: list
  elements: dict
changes:
  description: The measured changes of all jobs (name, action, from_version, to_version).
  returned: when not in check mode
  type: list
  elements: dict
plan:
  description: In check mode, the planned changes of all dry-run jobs.
  returned: in check mode
  type: list
  elements: dict
error_code:
  description: The agent's error code when the task failed (for example C(VALIDATION_ERROR), C(CONFLICT)).
  returned: on failure
  type: str
'''

from ansible_collections.linux_patch_api.agent.plugins.module_utils.agent_client import AgentError, agent_module, run_module
from ansible_collections.linux_patch_api.agent.plugins.module_utils.job_runner import JobRunner, diff_of, job_result

try:
    from urllib.parse import quote
except ImportError:  # Python 2
    from urllib import quote


def installed_package(client, name):
    try:
        return client.read('/packages/%s' % quote(name, safe='')).data
    except AgentError as error:
        if error.code == 'NOT_FOUND':
            return None
        raise


def plan_work(module, client):
    """The requests needed to reach the state: [(method, path, job_type, body, capability)]."""
    names, version, state = module.params['name'], module.params['version'], module.params['state']
    current = dict((name, installed_package(client, name)) for name in names)
    work = []
    if state == 'absent':
        for name in names:
            if current[name] is not None:
                work.append(('DELETE', '/packages/%s' % quote(name, safe=''), 'package_remove', None, 'remove'))
        return work
    missing = []
    for name in names:
        package = current[name]
        if package is None or (version is not None and package.get('version') != version):
            missing.append(dict(name=name, version=version) if version is not None else dict(name=name))
    if missing:
        work.append(('POST', '/packages', 'package_install', dict(packages=missing), 'install'))
    if state == 'latest':
        installed = [name for name in names if current[name] is not None]
        upgradable = [name for name in installed if current[name].get('upgradable')]
        if len(upgradable) < len(installed) and client.supports('patch_apply', 'dry_run'):
            # 'upgradable' comes from the agent's cached package index, which can predate the newest versions;
            # a dry-run patch_apply refreshes the index first, and its plan says what would be upgraded now.
            probe = JobRunner(module, client).plan('/patches/apply', 'patch_apply', dict(packages=installed))
            planned = set(entry.get('name') for entry in probe.get('plan') or [])
            upgradable = [name for name in installed if name in planned]
        if upgradable:
            work.append(('POST', '/patches/apply', 'patch_apply', dict(packages=upgradable), 'patch_apply'))
    return work


def ensure(module, client):
    if module.params['version'] is not None and len(module.params['name']) != 1:
        module.fail_json(msg='VALIDATION_ERROR: version needs exactly one name', error_code='VALIDATION_ERROR')
    work = plan_work(module, client)
    if module.check_mode:
        for _method, _path, _type, _body, operation in work:
            if not client.supports(operation, 'dry_run'):
                module.fail_json(
                    msg='NOT_SUPPORTED: check mode needs the agent to plan %s requests (dry_run), and %s cannot; '
                        'nothing was sent' % (operation, client.describe_agent()),
                    error_code='NOT_SUPPORTED')
    runner = JobRunner(module, client)
    jobs = []
    for method, path, job_type, body, _operation in work:
        if module.check_mode:
            if method == 'DELETE':
                path += '?dry_run=true'
            else:
                body = dict(body or {}, dry_run=True)
        key_request = None
        if method == 'DELETE':
            key_request = dict(name=path.split('/')[2].split('?')[0], dry_run=module.check_mode)
        job, _adopted = runner.run(method, path, job_type, body, key_request=key_request)
        jobs.append(job)
    result = dict(changed=False, jobs=jobs)
    if module.check_mode:
        result['plan'] = []
    else:
        result['changes'] = []
    for job in jobs:
        one = job_result(module, job, False, 'packages')
        result['job'] = job
        result['changed'] = result['changed'] or one['changed']
        if module.check_mode:
            result['plan'].extend(one['plan'])
        else:
            result['changes'].extend(one.get('changes') or [])
    if module._diff:
        result['diff'] = diff_of(result['plan'] if module.check_mode else result['changes'], 'packages')
    return result


def main():
    module = agent_module(
        dict(
            name=dict(type='list', elements='str', required=True),
            version=dict(type='str'),
            state=dict(type='str', default='present', choices=['present', 'absent', 'latest']),
        ),
        supports_check_mode=True,
    )
    run_module(module, lambda client: ensure(module, client))


if __name__ == '__main__':
    main()
