# -*- coding: utf-8 -*-
"""HTTP client for a linux-patch-api agent: mutual TLS over ansible.module_utils.urls, the envelope,
error codes, and the agent's capabilities.

Every request is one call of ``Request.open``, which sends it once: urllib does not resend a request,
and nothing here loops over a request that may have reached the agent. The only repeats are for
answers that say the agent refused the request before doing anything (429 QUEUE_FULL,
503 ROLLBACK_IN_PROGRESS) and for reads (GET), which change nothing.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import socket
import time

from ansible.module_utils.basic import env_fallback
from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError
from ansible.module_utils.urls import Request

# Contract 1.0 (no GET /capabilities) could plan only POST /patches/apply.
CONTRACT_1_0_OPERATIONS = {
    'install': {'version_pin': True, 'dry_run': False},
    'update': {'downgrade': True, 'dry_run': False},
    'remove': {'cascade': False, 'dry_run': False},
    'patch_apply': {'selected': True, 'security_only': True, 'pinned_versions': False, 'dry_run': True},
    'rollback': {'sources': ['repo']},
    'deployments': False,
}

# Refusals that guarantee nothing was started: safe to send again after Retry-After.
REFUSED_BEFORE_START = ('QUEUE_FULL', 'ROLLBACK_IN_PROGRESS')


def connection_argument_spec():
    """The options every module takes (documented in the ``connection`` doc fragment)."""
    return dict(
        url=dict(type='str', required=True, fallback=(env_fallback, ['LPA_URL'])),
        client_cert=dict(type='path', required=True, fallback=(env_fallback, ['LPA_CLIENT_CERT'])),
        client_key=dict(type='path', required=True, no_log=False, fallback=(env_fallback, ['LPA_CLIENT_KEY'])),
        ca_path=dict(type='path', fallback=(env_fallback, ['LPA_CA_PATH'])),
        timeout=dict(type='int', default=30),
        wait=dict(type='bool', default=True),
        wait_timeout=dict(type='int', default=1800),
    )


class AgentError(Exception):
    """An error answer of the agent (``code`` is the envelope's error code) or a transport failure
    (``code`` is ``CONNECTION_ERROR``; ``sent`` says whether the request may have reached the agent)."""

    def __init__(self, code, message, status=None, details=None, sent=False, retry_after=None):
        super(AgentError, self).__init__('%s: %s' % (code, message))
        self.code = code
        self.message = message
        self.status = status
        self.details = details
        self.sent = sent
        self.retry_after = retry_after

    def to_result(self):
        result = dict(error_code=self.code, msg='%s: %s' % (self.code, self.message))
        if self.status is not None:
            result['status'] = self.status
        if self.details is not None:
            result['error_details'] = self.details
        return result


class Response(object):
    def __init__(self, status, data, headers, timestamp):
        self.status = status
        self.data = data
        self.headers = headers
        self.timestamp = timestamp


class AgentClient(object):
    def __init__(self, params):
        self.base = params['url'].rstrip('/')
        self.timeout = params['timeout']
        self.wait_timeout = params['wait_timeout']
        self._request = Request(
            client_cert=params['client_cert'],
            client_key=params['client_key'],
            ca_path=params.get('ca_path'),
            validate_certs=True,
            follow_redirects='none',
            timeout=params['timeout'],
            http_agent='linux_patch_api.agent',
        )
        self._capabilities = None
        self._capabilities_read = False

    def send(self, method, path, body=None, headers=None):
        """Sends one request once and returns the envelope's data, or raises AgentError."""
        all_headers = {'Accept': 'application/json'}
        data = None
        if body is not None:
            data = json.dumps(body)
            all_headers['Content-Type'] = 'application/json'
        all_headers.update(headers or {})
        url = self.base + path
        try:
            raw = self._request.open(method, url, data=data, headers=all_headers)
            return self._parse(raw.getcode(), raw.read(), raw.headers)
        except HTTPError as error:
            raise self._error_of(error)
        except (URLError, socket.timeout, socket.error, ValueError) as error:
            # After a timeout or a reset the request may have been received and acted on; a
            # refused connection or a failed handshake means it was not.
            reason = getattr(error, 'reason', error)
            sent = not isinstance(reason, (ConnectionRefusedError,)) and 'CERTIFICATE' not in str(reason).upper()
            raise AgentError('CONNECTION_ERROR', '%s %s: %s' % (method, url, reason), sent=sent and method != 'GET')

    def read(self, path, deadline=None):
        """GET, repeated while the agent answers that it is exclusive (a rollback runs) or its queue is full."""
        deadline = deadline or time.time() + self.wait_timeout
        while True:
            try:
                return self.send('GET', path)
            except AgentError as error:
                if error.code not in REFUSED_BEFORE_START or time.time() >= deadline:
                    raise
                time.sleep(min(float(error.retry_after or 1), max(0.0, deadline - time.time())))

    def submit(self, method, path, body=None, headers=None, deadline=None):
        """Sends a request that starts a job. A refusal that started nothing is retried until the
        deadline; any other failure is raised as it is, never sent again."""
        deadline = deadline or time.time() + self.wait_timeout
        while True:
            try:
                return self.send(method, path, body, headers)
            except AgentError as error:
                if error.code not in REFUSED_BEFORE_START or time.time() >= deadline:
                    raise
                time.sleep(min(float(error.retry_after or 1), max(0.0, deadline - time.time())))

    def capabilities(self):
        """GET /capabilities, or None for an agent of contract 1.0 (404)."""
        if not self._capabilities_read:
            try:
                self._capabilities = self.read('/capabilities').data
            except AgentError as error:
                if error.status != 404:
                    raise
                self._capabilities = None
            self._capabilities_read = True
        return self._capabilities

    def operations(self):
        caps = self.capabilities()
        if caps is None:
            return CONTRACT_1_0_OPERATIONS
        return caps.get('operations') or {}

    def supports(self, operation, feature):
        value = self.operations().get(operation)
        if isinstance(value, dict):
            return bool(value.get(feature))
        return bool(value) if feature is None else False

    def describe_agent(self):
        caps = self.capabilities()
        if caps is None:
            return 'the agent at %s (contract 1.0: no GET /capabilities)' % self.base
        return 'the agent at %s (api %s, backend %s)' % (
            self.base, caps.get('api_version'), (caps.get('backend') or {}).get('name'))

    def _parse(self, status, raw, headers):
        try:
            envelope = json.loads(raw.decode('utf-8')) if raw else None
        except ValueError:
            raise AgentError('BAD_RESPONSE', 'HTTP %s with a body that is not JSON' % status, status=status)
        if not isinstance(envelope, dict) or 'success' not in envelope:
            raise AgentError('BAD_RESPONSE', 'HTTP %s without the API envelope' % status, status=status)
        if not envelope['success']:
            error = envelope.get('error') or {}
            raise AgentError(error.get('code', 'UNKNOWN'), error.get('message', ''), status=status,
                             details=error.get('details'), retry_after=headers.get('Retry-After'))
        return Response(status, envelope.get('data'), headers, envelope.get('timestamp'))

    def _error_of(self, error):
        try:
            body = error.read()
        except Exception:
            body = b''
        headers = error.headers or {}
        try:
            self._parse(error.code, body, headers)
        except AgentError as parsed:
            if parsed.code == 'BAD_RESPONSE':
                return AgentError('HTTP_%s' % error.code, str(error.reason), status=error.code)
            return parsed
        return AgentError('HTTP_%s' % error.code, str(error.reason), status=error.code)


def agent_module(argument_spec, **kwargs):
    """An AnsibleModule with the connection options added to ``argument_spec``."""
    from ansible.module_utils.basic import AnsibleModule

    spec = connection_argument_spec()
    spec.update(argument_spec)
    return AnsibleModule(argument_spec=spec, **kwargs)


def run_module(module, main):
    """Runs ``main(client)`` and exits with its result; an agent error fails the task with its code."""
    client = AgentClient(module.params)
    try:
        result = main(client)
    except AgentError as error:
        module.fail_json(**error.to_result())
    module.exit_json(**result)
