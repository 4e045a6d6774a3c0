#!/usr/bin/python
# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: patch
short_description: Apply updates through a linux-patch-api agent, or bring a host to a baseline
description:
  - Applies the available updates (all, named ones, or security updates only), or brings packages to
    exact versions (C(packages) as C({name, version}) pairs, or a C(baseline) written by
    M(linux_patch_api.agent.baseline)) with the agent's pinned apply, which never installs anything newer.
  - The host's state is read first; when nothing is left to do no job that changes anything is started and
    C(changed=false).
  - C(GET /patches) answers from the agent's package-index cache, which can predate versions published since its
    last refresh. It is trusted only when it offers what the task asks for (any update, or every installed name in
    C(packages)); otherwise the agent plans the apply (a C(dry_run) job, which refreshes the index first) and
    the plan decides, so an update published after the agent's last refresh is applied and not silently
    skipped. An agent that cannot plan an apply (no C(patch_apply.dry_run)) is left to its cached list.
  - Names in C(packages) that are not installed are left out (a patch only updates); the request sent is the
    installed names whatever the cache lists, so a C(plan_hash) from check mode matches the later apply.
  - Pinned applies (C(packages) as pairs, C(baseline)) compare the installed versions with the requested ones;
    the apply itself refreshes the index before it looks for the versions.
  - In check mode the agent plans the apply (C(dry_run)); the task returns C(plan) and C(plan_hash).
    Giving that C(plan_hash) to a later run makes the agent apply exactly that plan or refuse
    (C(PRECONDITION_FAILED), C(PLAN_CHANGED)) with nothing changed.
  - A pinned apply needs an agent that declares C(patch_apply.pinned_versions) in C(GET /capabilities). Any
    other agent is refused before anything is sent, since an unpinned apply could install newer versions.
version_added: 1.0.0
author: linux-patch-api maintainers
extends_documentation_fragment:
  - linux_patch_api.agent.connection
options:
  packages:
    description:
      - Package names (update these to the newest version), or C({name, version}) pairs (bring each to exactly
        that version, up or down). Not both kinds in one list. Without C(packages) and C(baseline), every
        available update is applied.
    type: list
    elements: raw
  security_only:
    description: Apply only updates the distribution marks as security updates.
    type: bool
    default: false
  baseline:
    description:
      - A baseline to bring the host to, pinned; the path of a baseline file (JSON) or the document itself
        (for example the C(baseline) a M(linux_patch_api.agent.baseline) task returned).
    type: raw
  plan_hash:
    description:
      - The C(plan_hash) of an earlier check-mode run; sent as C(If-Match), so the agent applies only that plan.
      - Needs an agent of contract 1.1 or later (one with C(GET /capabilities)).
    type: str
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
'''

EXAMPLES = r'''
- name: Plan, look, then apply exactly what was planned
  linux_patch_api.agent.patch:
  check_mode: true
  register: planned

- name: Apply the reviewed plan
  linux_patch_api.agent.patch:
    plan_hash: "{{ planned.plan_hash }}"

- name: Security updates only
  linux_patch_api.agent.patch:
    security_only: true

- name: Promote what canary received
  linux_patch_api.agent.patch:
    baseline: /srv/baselines/2026-12.json

- name: Bring two packages to exact versions
  linux_patch_api.agent.patch:
    packages:
      - {name: openssl, version: 3.0.15-1~deb12u1}
      - {name: libssl3, version: 3.0.15-1~deb12u1}
'''

RETURN = r'''
job:
  description: The job (id, status, changes, plan, log, error, outcome, ...).
  returned: when a job ran
  type: dict
changes:
  description: The job's measured changes (name, action, from_version, to_version).
  returned: when a job ran, not in check mode
  type: list
  elements: dict
plan:
  description: The planned changes of the dry run.
  returned: in check mode
  type: list
  elements: dict
plan_hash:
  description: The dry run's plan hash (null from an agent that does not compute one).
  returned: in check mode
  type: str
held_back:
  description: Updates the package manager would keep back, with reasons (where the agent reports them).
  returned: in check mode, when the agent reports it
  type: list
  elements: dict
reboot_required:
  description: Whether the host needs a reboot after the apply (the job's measured outcome, where the agent reports it).
  returned: when a job ran and the agent reports it
  type: bool
pinned:
  description: The C({name, version}) pairs the task brought the host to (pinned applies only).
  returned: for pinned applies
  type: list
  elements: dict
error_code:
  description: The agent's error code when the task failed (for example C(VERSION_UNAVAILABLE), C(PLAN_CHANGED)).
  returned: on failure
  type: str
'''

from ansible.module_utils.six import string_types
from ansible_collections.linux_patch_api.agent.plugins.module_utils.agent_client import agent_module, run_module
from ansible_collections.linux_patch_api.agent.plugins.module_utils.baseline_document import BaselineError, check_pairs, load
from ansible_collections.linux_patch_api.agent.plugins.module_utils.job_runner import JobRunner, job_result


def fail(module, code, message):
    module.fail_json(msg='%s: %s' % (code, message), error_code=code)


def requested_pairs(module):
    """The pinned pairs this task asks for, or None for an ordinary (unpinned) apply."""
    packages, baseline = module.params['packages'], module.params['baseline']
    try:
        if baseline is not None:
            return load(baseline)['packages']
        if packages and all(isinstance(entry, dict) for entry in packages):
            return check_pairs(packages, 'packages')
    except BaselineError as error:
        fail(module, 'VALIDATION_ERROR', str(error))
    if packages and not all(isinstance(entry, string_types) for entry in packages):
        fail(module, 'VALIDATION_ERROR', 'packages must be all names or all {name, version} pairs')
    return None


def pinned_body(module, client, pairs):
    if not client.supports('patch_apply', 'pinned_versions'):
        fail(module, 'NOT_SUPPORTED', '%s cannot apply pinned versions; nothing was applied, since an unpinned apply '
             'could install versions newer than the baseline' % client.describe_agent())
    installed = dict((p['name'], p['version']) for p in client.read('/packages').data.get('packages') or [])
    pending = [pair for pair in pairs if installed.get(pair['name']) != pair['version']]
    return dict(packages=pending) if pending else None


def offered_names(client, security_only):
    """The names GET /patches lists: the agent's cached view, which misses versions published since its last refresh."""
    patches = client.read('/patches?security=true' if security_only else '/patches').data.get('patches') or []
    return set(patch['name'] for patch in patches)


def installed_names(client):
    return set(package['name'] for package in client.read('/packages').data.get('packages') or [])


def unpinned_request(module, client):
    """The apply request this task makes (None: no named package is installed), whether there is anything to
    apply, and the dry run that found that out, if one ran.

    The cached list is trusted only when it offers what was asked for; otherwise a dry-run patch_apply of the
    same request, which refreshes the agent's package index first, decides (an agent that cannot plan an apply
    is left to its cache). The request does not depend on the cache, so a plan_hash from check mode matches it."""
    names, security_only = module.params['packages'], module.params['security_only']
    offered = offered_names(client, security_only)
    if names:
        installed = installed_names(client)
        candidates = [name for name in names if name in installed]
        if not candidates:
            return None, False, None
        body = dict(packages=candidates, security_only=security_only)
        cached_pending = [name for name in candidates if name in offered]
        if len(cached_pending) == len(candidates):
            return body, True, None
    else:
        body = dict(security_only=True) if security_only else {}
        cached_pending = offered
        if offered:
            return body, True, None
    if module.params['plan_hash'] is not None:
        return body, True, None  # the agent re-plans under If-Match and applies only that plan, or refuses
    if not client.supports('patch_apply', 'dry_run'):
        return body, bool(cached_pending), None
    probe = JobRunner(module, client).plan('/patches/apply', 'patch_apply', body)
    return body, bool(probe.get('plan')), probe


def apply(module, client):
    pairs = requested_pairs(module)
    plan_hash = module.params['plan_hash']
    if plan_hash is not None and client.capabilities() is None:
        fail(module, 'NOT_SUPPORTED', '%s cannot check a plan hash; nothing was applied' % client.describe_agent())
    if module.check_mode and not client.supports('patch_apply', 'dry_run'):
        fail(module, 'NOT_SUPPORTED', 'check mode needs %s to plan patch applies (dry_run)' % client.describe_agent())
    probe = None
    if pairs is not None:
        body = pinned_body(module, client, pairs)
        pending = body is not None
    else:
        body, pending, probe = unpinned_request(module, client)
    result = dict(changed=False)
    if pairs is not None:
        result['pinned'] = pairs
    if not pending and (plan_hash is None or (pairs is None and body is None)):
        # Already in the state: nothing to plan or apply, and no job that changes anything is started.
        if module.check_mode:
            result.update(plan=[], plan_hash=None)
        else:
            result['changes'] = []
        if module._diff:
            result['diff'] = dict(before='', after='')
        return result
    if module.check_mode and probe is not None and plan_hash is None:
        # The dry run that found the updates is the plan check mode returns; it is not run twice.
        result.update(job_result(module, probe, False, 'patches'))
        return result
    body = dict(body or {})
    if module.check_mode:
        body['dry_run'] = True
    headers = {'If-Match': '"%s"' % plan_hash} if plan_hash is not None else None
    job, adopted = JobRunner(module, client).run('POST', '/patches/apply', 'patch_apply', body, headers)
    result.update(job_result(module, job, adopted, 'patches'))
    outcome = job.get('outcome') or {}
    if 'reboot_required' in outcome:
        result['reboot_required'] = outcome['reboot_required']
    return result


def main():
    module = agent_module(
        dict(
            packages=dict(type='list', elements='raw'),
            security_only=dict(type='bool', default=False),
            baseline=dict(type='raw'),
            plan_hash=dict(type='str', no_log=False),
        ),
        mutually_exclusive=[['packages', 'baseline'], ['security_only', 'baseline']],
        supports_check_mode=True,
    )
    run_module(module, lambda client: apply(module, client))


if __name__ == '__main__':
    main()
