#!/usr/bin/python
# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: job_info
short_description: Read one job of a linux-patch-api agent
description:
  - Reads a job by its id (C(GET /jobs/{id})), optionally waiting until it has finished. Nothing is changed;
    a job that failed is reported, not turned into a failed task.
version_added: 1.0.0
author: linux-patch-api maintainers
extends_documentation_fragment:
  - linux_patch_api.agent.connection
options:
  id:
    description: The job's id (a UUID).
    type: str
    required: true
  wait:
    description:
      - Wait until the job has finished (completed, failed or timed out), at most C(wait_timeout) seconds.
      - Unlike the other modules the default is C(false), so the job is read as it is now.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
'''

EXAMPLES = r'''
- name: Follow a job started with wait=false
  linux_patch_api.agent.job_info:
    id: "{{ apply.job.id }}"
    wait: true
  register: finished

- ansible.builtin.debug:
    msg: "{{ finished.job.status }}: {{ finished.job.changes }}"
'''

RETURN = r'''
job:
  description: The job (id, type, status, progress, request, changes, plan, error, rollback_of, rolled_back_by, ...).
  returned: always
  type: dict
finished:
  description: Whether the job has finished (completed, failed or timed_out).
  returned: always
  type: bool
'''

from ansible_collections.linux_patch_api.agent.plugins.module_utils.agent_client import agent_module, run_module
from ansible_collections.linux_patch_api.agent.plugins.module_utils.job_runner import TERMINAL, JobRunner


def read(module, client):
    job = client.read('/jobs/%s' % module.params['id']).data
    if module.params['wait']:
        job = JobRunner(module, client).wait(job)
    return dict(changed=False, job=job, finished=job.get('status') in TERMINAL)


def main():
    module = agent_module(dict(id=dict(type='str', required=True), wait=dict(type='bool', default=False)),
                          supports_check_mode=True)
    run_module(module, lambda client: read(module, client))


if __name__ == '__main__':
    main()
