# -*- coding: utf-8 -*-
"""Starting a job at most once, following it to its end, and turning it into a task result.

How a task never starts the same job twice:
  1. Before sending, the agent's unfinished jobs (``pending``, ``running``) are read; one with the same
     request is adopted instead of starting another (a task retried with ``retries``/``until`` while its
     first job still runs, or a second play reaching the same host).
  2. The request that starts a job is sent once (``AgentClient.submit``); only refusals that guarantee
     nothing started (429 QUEUE_FULL, 503 ROLLBACK_IN_PROGRESS) are sent again.
  3. When the answer is lost after the request may have arrived (timeout, reset), the job is looked up
     in ``GET /jobs`` by its request and creation time (the agent's own clock, read in step 1), never
     sent again; if none is found the task fails and says so.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.linux_patch_api.agent.plugins.module_utils.agent_client import AgentError

TERMINAL = ('completed', 'failed', 'timed_out')
# Polling starts fast (dry runs and no-op jobs end in well under a second) and settles at one read
# every two seconds: a long job costs about job_seconds / 2 requests per host, not one per second.
POLL_FIRST_SECONDS = 0.1
POLL_MAX_SECONDS = 2.0


def _package_pairs(packages):
    pairs = []
    for entry in packages or []:
        if isinstance(entry, dict):
            pairs.append((entry.get('name'), entry.get('version') or ''))
        else:
            pairs.append((entry, ''))
    return tuple(sorted(pairs))


def request_key(job_type, request):
    """A comparable form of a job request, whether it is the body we send or the job's ``request``."""
    request = request or {}
    if job_type in ('package_install', 'patch_apply'):
        packages = _package_pairs(request.get('packages'))
    elif 'name' in request:
        packages = ((request.get('name'), request.get('version') or ''),)
    else:
        packages = ()
    return (job_type, packages, bool(request.get('security_only')), bool(request.get('dry_run')), request.get('ref'))


def job_key(job):
    request = dict(job.get('request') or {})
    return request_key(job.get('type'), request)


class JobRunner(object):
    def __init__(self, module, client):
        self.module = module
        self.client = client

    def unfinished_jobs(self):
        """The agent's pending and running jobs, and the agent's time of the answer."""
        jobs = []
        stamp = None
        for status in ('pending', 'running'):
            response = self.client.read('/jobs?status=%s' % status)
            stamp = stamp or response.timestamp
            jobs.extend(response.data.get('jobs') or [])
        return jobs, stamp

    def start(self, method, path, job_type, body=None, headers=None, key_request=None):
        """Starts (or adopts) the job for this request; returns (job, adopted). ``key_request`` is the
        request as the job will record it, where the body does not say it all (DELETE)."""
        key = request_key(job_type, body if key_request is None else key_request)
        jobs, agent_time = self.unfinished_jobs()
        for job in jobs:
            if job_key(job) == key:
                return job, True
        try:
            return self.client.submit(method, path, body, headers).data, False
        except AgentError as error:
            if not error.sent:
                raise
            found = self._find_started(key, agent_time)
            if found is None:
                raise AgentError(error.code, '%s; the request may have reached the agent but no job of it is listed '
                                 'in GET /jobs, so it was not sent again' % error.message, sent=True)
            return found, True

    def _find_started(self, key, agent_time):
        try:
            jobs = self.client.read('/jobs').data.get('jobs') or []
        except AgentError:
            return None
        for job in jobs:
            if job_key(job) == key and (agent_time is None or (job.get('created_at') or '') >= agent_time):
                return job
        return None

    def wait(self, job):
        """Polls GET /jobs/{id} until the job has finished or wait_timeout has passed."""
        deadline = time.time() + self.client.wait_timeout
        interval = POLL_FIRST_SECONDS
        while job.get('status') not in TERMINAL:
            if time.time() >= deadline:
                self.module.fail_json(
                    msg='WAIT_TIMEOUT: job %s is still %s after %s s; it was not submitted again '
                        '(follow it with linux_patch_api.agent.job_info)' % (job['id'], job.get('status'), self.client.wait_timeout),
                    error_code='WAIT_TIMEOUT', job=job, changed=bool(job.get('changes')))
            time.sleep(interval)
            interval = min(interval * 2, POLL_MAX_SECONDS)
            job = self.client.read('/jobs/%s' % job['id'], deadline=deadline).data
        return job

    def plan(self, path, job_type, body=None):
        """A dry run of this request, finished. A ``patch_apply`` refreshes the agent's package index first
        (dry runs too), so its plan answers what ``GET /patches``, read from a cache that may predate the
        newest published versions, cannot: is there anything to apply right now."""
        job, _adopted = self.start('POST', path, job_type, dict(body or {}, dry_run=True))
        job = self.wait(job)
        fail_on_job(self.module, job)
        return job

    def run(self, method, path, job_type, body=None, headers=None, key_request=None):
        """Starts the job and, when waiting (always in check mode), returns it finished; fails the task
        with the agent's error code when the job failed or timed out."""
        job, adopted = self.start(method, path, job_type, body, headers, key_request)
        if not (self.module.params['wait'] or self.module.check_mode):
            return job, adopted
        job = self.wait(job)
        fail_on_job(self.module, job)
        return job, adopted


def fail_on_job(module, job, **extra):
    if job.get('status') == 'completed':
        return
    error = job.get('error') or {}
    code = error.get('code') or ('JOB_TIMED_OUT' if job.get('status') == 'timed_out' else 'JOB_FAILED')
    result = dict(extra)
    result.update(
        msg='%s: job %s %s: %s' % (code, job.get('id'), job.get('status'), error.get('message') or 'no message'),
        error_code=code,
        job=job,
        changed=bool(job.get('changes')),
    )
    if error.get('details') is not None:
        result['error_details'] = error['details']
    module.fail_json(**result)


def versions_text(entries, side):
    lines = []
    for entry in sorted(entries, key=lambda e: e.get('name') or ''):
        version = entry.get('from_version' if side == 'before' else 'to_version')
        if version:
            lines.append('%s %s' % (entry['name'], version))
    return '\n'.join(lines) + ('\n' if lines else '')


def diff_of(entries, what):
    """``--diff`` output: the packages a plan or a job touches, as versions before and after."""
    return dict(before=versions_text(entries, 'before'), after=versions_text(entries, 'after'),
                before_header='%s (before)' % what, after_header='%s (after)' % what)


def job_result(module, job, adopted, what):
    """The common result of a module that ran one job."""
    result = dict(job=job, adopted=adopted)
    if module.check_mode:
        plan = job.get('plan') or []
        result.update(changed=bool(plan), plan=plan, plan_hash=job.get('plan_hash'))
        for key in ('held_back', 'forecast', 'rollback'):
            if key in job:
                result[key] = job[key]
        if module._diff:
            result['diff'] = diff_of(plan, what)
        return result
    if job.get('status') in TERMINAL:
        changes = job.get('changes') or []
        result['changed'] = bool(changes)
        result['changes'] = changes
        if module._diff:
            result['diff'] = diff_of(changes, what)
    else:
        result['changed'] = True
    return result
