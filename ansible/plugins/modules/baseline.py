#!/usr/bin/python
# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: baseline
short_description: Write a baseline document from what a linux-patch-api host received or is offered
description:
  - Builds a baseline, the packages with exact versions that M(linux_patch_api.agent.patch) can later apply
    pinned to other hosts, and writes it as JSON to C(dest) on the machine that runs the module (the
    controller when the module runs there).
  - With C(job_id) the packages are what that job installed, upgraded or downgraded (its measured
    C(changes); for a check-mode (dry-run) job, its C(plan)). Removals cannot be expressed in a baseline
    and are reported in C(skipped). Without C(job_id) the packages are what applying every available update would
    install now. The agent plans the apply (a C(dry_run) job, which refreshes its package index first, so versions
    published since its last refresh are included, and so are the new dependencies the updates need); from an
    agent that cannot plan an apply they are the updates its cached C(GET /patches) lists.
  - A C(dest) that already holds the same baseline (everything but C(created_at) equal) is left alone
    and the task reports C(changed=false). In check mode nothing is written.
version_added: 1.0.0
author: linux-patch-api maintainers
extends_documentation_fragment:
  - linux_patch_api.agent.connection
options:
  name:
    description: The baseline's name (for example a change ticket or a date).
    type: str
    required: true
  dest:
    description: The file to write. Without it the document is only returned.
    type: path
  job_id:
    description: Take the packages from this job (it must have completed) instead of the available updates.
    type: str
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
'''

EXAMPLES = r'''
- name: Baseline from what the canary's patch job changed
  linux_patch_api.agent.baseline:
    name: "web-{{ '%Y-%m-%d' | strftime }}"
    job_id: "{{ canary_patch.job.id }}"
    dest: /srv/baselines/web.json
  register: web_baseline

- name: Baseline of what a reference host is offered right now
  linux_patch_api.agent.baseline:
    name: reference
    dest: /srv/baselines/reference.json
'''

RETURN = r'''
baseline:
  description: The document (name, created_at, source_host, packages as {name, version}).
  returned: always
  type: dict
dest:
  description: Where it was written.
  returned: when dest is given
  type: str
skipped:
  description: Changes a baseline cannot express (removals), as the job reported them.
  returned: always
  type: list
  elements: dict
'''

import datetime
import json
import os
import tempfile

from ansible.module_utils.common.text.converters import to_native
from ansible_collections.linux_patch_api.agent.plugins.module_utils.agent_client import AgentError, agent_module, run_module
from ansible_collections.linux_patch_api.agent.plugins.module_utils.baseline_document import same_content
from ansible_collections.linux_patch_api.agent.plugins.module_utils.job_runner import JobRunner

try:
    from urllib.parse import urlparse
except ImportError:  # Python 2
    from urlparse import urlparse


def packages_of(entries):
    """The baseline's packages from a job's changes or plan, and the removals a baseline cannot express."""
    packages = [dict(name=e['name'], version=e['to_version']) for e in entries if e.get('action') != 'removed' and e.get('to_version')]
    skipped = [e for e in entries if e.get('action') == 'removed']
    return packages, skipped


def packages_of_job(client, job_id):
    job = client.read('/jobs/%s' % job_id).data
    if job.get('status') != 'completed':
        raise AgentError('CONFLICT', 'job %s is %s; a baseline is taken only from a completed job' % (job_id, job.get('status')))
    dry_run = bool((job.get('request') or {}).get('dry_run'))
    return packages_of((job.get('plan') or []) if dry_run else (job.get('changes') or []))


def packages_available(module, client):
    if client.supports('patch_apply', 'dry_run'):
        # GET /patches answers from a cache that can predate the newest versions; a dry-run apply refreshes
        # the package index first and plans every update, with the new dependencies it needs.
        return packages_of(JobRunner(module, client).plan('/patches/apply', 'patch_apply').get('plan') or [])
    patches = client.read('/patches').data.get('patches') or []
    return [dict(name=p['name'], version=p['available_version']) for p in patches], []


def source_host(client):
    try:
        return client.read('/system/info').data.get('hostname') or urlparse(client.base).hostname
    except AgentError:
        return urlparse(client.base).hostname


def write_atomically(path, text):
    directory = os.path.dirname(os.path.abspath(path))
    handle, temp = tempfile.mkstemp(dir=directory, prefix='.baseline-')
    try:
        with os.fdopen(handle, 'w') as out:
            out.write(text)
        os.chmod(temp, 0o644)
        os.rename(temp, path)
    except Exception:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


def build(module, client):
    job_id, dest = module.params['job_id'], module.params['dest']
    packages, skipped = packages_of_job(client, job_id) if job_id else packages_available(module, client)
    document = dict(
        name=module.params['name'],
        created_at=datetime.datetime.utcnow().replace(microsecond=0).isoformat() + 'Z',
        source_host=source_host(client),
        packages=sorted(packages, key=lambda p: p['name']),
    )
    result = dict(changed=False, baseline=document, skipped=skipped)
    if dest is None:
        return result
    result['dest'] = dest
    existing = None
    if os.path.exists(dest):
        try:
            with open(dest) as handle:
                existing = json.load(handle)
        except ValueError:
            existing = None
    if isinstance(existing, dict) and same_content(existing, document):
        result['baseline'] = existing
        return result
    result['changed'] = True
    if not module.check_mode:
        try:
            write_atomically(dest, json.dumps(document, indent=2, sort_keys=True) + '\n')
        except (IOError, OSError) as error:
            module.fail_json(msg='cannot write %s: %s' % (dest, to_native(error)), error_code='WRITE_ERROR')
    return result


def main():
    module = agent_module(
        dict(name=dict(type='str', required=True), dest=dict(type='path'), job_id=dict(type='str')),
        supports_check_mode=True,
    )
    run_module(module, lambda client: build(module, client))


if __name__ == '__main__':
    main()
