# -*- coding: utf-8 -*-
"""Fixtures for module tests against real agents.

The agents are real linux-patch-api processes on apt sandbox roots, started by the repository's
TypeScript harness (test/ansible/fleet-launcher.ts); the modules run as Ansible runs them: a Python
process given its arguments in a JSON file, importing the collection from the checkout.
"""
from __future__ import absolute_import, division, print_function

import json
import os
import subprocess
import sys
import tempfile

import pytest

COLLECTION = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REPO_ROOT = os.path.dirname(COLLECTION)
HELLO = 'lpa-fixture-hello'
DEP = 'lpa-fixture-dep'
SEC = 'lpa-fixture-sec'


@pytest.fixture(scope='session')
def collections_path():
    """A directory laid out as ansible_collections/linux_patch_api/agent, pointing at the checkout."""
    base = tempfile.mkdtemp(prefix='lpa-collections-')
    namespace = os.path.join(base, 'ansible_collections', 'linux_patch_api')
    os.makedirs(namespace)
    os.symlink(COLLECTION, os.path.join(namespace, 'agent'))
    yield base
    os.unlink(os.path.join(namespace, 'agent'))


class Fleet(object):
    """The launched agents; ``host`` is the one a test module works on."""

    def __init__(self, description, process, host=0):
        self.description = description
        self.process = process
        self.hosts = description['hosts']
        self.client = description['client']
        self.host = host

    def on_host(self, host):
        return Fleet(self.description, self.process, host)

    def connection(self):
        return dict(url=self.hosts[self.host]['url'], client_cert=self.client['cert'], client_key=self.client['key'],
                    ca_path=self.client['ca'])

    def root(self):
        return self.hosts[self.host]['root']

    def installed(self):
        """name -> version from the root's dpkg database."""
        output = subprocess.check_output(
            ['/usr/bin/dpkg-query', '--admindir=%s/var/lib/dpkg' % self.root(), '-W',
             '-f=${Package}\t${Version}\t${Status}\n'], universal_newlines=True)
        installed = {}
        for line in output.splitlines():
            name, version, status = line.split('\t')
            if status.endswith(' installed'):
                installed[name] = version
        return installed

    def stop(self):
        self.process.stdin.close()
        self.process.wait(timeout=60)


def start_fleet(hosts=1, install=(), first_octet=11):
    args = [os.environ.get('LPA_NODE', 'node'), '--conditions=lpa-source', '--import', 'tsx',
            os.path.join(REPO_ROOT, 'test/ansible/fleet-launcher.ts'), '--hosts', str(hosts), '--first-octet', str(first_octet)]
    for spec in install:
        args += ['--install', spec]
    process = subprocess.Popen(args, cwd=REPO_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, universal_newlines=True)
    line = process.stdout.readline()
    if not line:
        process.wait(timeout=60)
        raise RuntimeError('the fleet launcher exited with %s before describing the fleet' % process.returncode)
    return Fleet(json.loads(line), process)


# Each test module that needs an agent gets its own; all of them start together, once per session.
AGENT_MODULES = ['test_info', 'test_package', 'test_patch']


@pytest.fixture(scope='session')
def agents():
    """Real agents whose roots have lpa-fixture-hello 1.0-1 and lpa-fixture-sec 1.0-1 installed (so
    hello 1.1-1, which needs lpa-fixture-dep, and sec 1.1-1 from the security suite are offered)."""
    started = start_fleet(len(AGENT_MODULES), ['%s=1.0-1' % HELLO, '%s=1.0-1' % SEC], first_octet=21)
    yield started
    started.stop()


@pytest.fixture(scope='module')
def fleet(request, agents):
    """This test module's own agent: no other module touches it."""
    return agents.on_host(AGENT_MODULES.index(request.module.__name__))


def agent_supports(run, operation, feature):
    """Whether the agent declares ``operations.<operation>.<feature>`` in GET /capabilities."""
    caps = run('info').get('capabilities')
    return bool(caps and ((caps.get('operations') or {}).get(operation) or {}).get(feature))


class ModuleRunner(object):
    """Runs a module of the collection the way Ansible does and returns its JSON result."""

    def __init__(self, collections, connection):
        self.collections = collections
        self.connection = connection

    def __call__(self, module, check_mode=False, diff=False, env=None, with_connection=True, **params):
        args = dict(self.connection) if with_connection else {}
        args.update(params)
        args['_ansible_check_mode'] = check_mode
        args['_ansible_diff'] = diff
        with tempfile.NamedTemporaryFile('w', suffix='.json', delete=False) as handle:
            json.dump({'ANSIBLE_MODULE_ARGS': args}, handle)
        try:
            environment = dict(os.environ)
            environment['PYTHONPATH'] = self.collections
            environment.update(env or {})
            completed = subprocess.run(
                [sys.executable, '-m', 'ansible_collections.linux_patch_api.agent.plugins.modules.%s' % module, handle.name],
                env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=600)
        finally:
            os.unlink(handle.name)
        try:
            return json.loads(completed.stdout)
        except ValueError:
            raise AssertionError('module %s printed no JSON (exit %s): %s %s' % (
                module, completed.returncode, completed.stdout, completed.stderr))


@pytest.fixture(scope='module')
def run(fleet, collections_path):
    return ModuleRunner(collections_path, fleet.connection())
