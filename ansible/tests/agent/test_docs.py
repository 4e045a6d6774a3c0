# -*- coding: utf-8 -*-
"""Every module renders with ansible-doc and is in the action group ``all``."""
import json
import os
import subprocess

import yaml

from conftest import COLLECTION

MODULES = sorted(name[:-3] for name in os.listdir(os.path.join(COLLECTION, 'plugins/modules')) if name.endswith('.py'))


def ansible_doc(collections_path, *args):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_path, ANSIBLE_NOCOLOR='1')
    return subprocess.run(['ansible-doc'] + list(args), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=120)


def test_the_collection_has_its_modules():
    assert MODULES == ['baseline', 'deployment', 'info', 'job_info', 'package', 'patch', 'rollback']


def test_ansible_doc_renders_every_module_with_the_connection_options(collections_path):
    fqcns = ['linux_patch_api.agent.%s' % name for name in MODULES]
    rendered = ansible_doc(collections_path, '--json', *fqcns)
    assert rendered.returncode == 0, rendered.stderr
    assert 'WARNING' not in rendered.stderr, rendered.stderr
    docs = json.loads(rendered.stdout)
    assert sorted(docs) == fqcns
    for fqcn in fqcns:
        doc = docs[fqcn]['doc']
        for option in ('url', 'client_cert', 'client_key', 'ca_path', 'timeout', 'wait', 'wait_timeout'):
            assert option in doc['options'], (fqcn, option)
        assert docs[fqcn]['examples'].strip(), fqcn
        assert docs[fqcn]['return'], fqcn
    for fqcn in fqcns:
        text = ansible_doc(collections_path, fqcn)
        assert text.returncode == 0 and 'EXAMPLES' in text.stdout and 'RETURN VALUES' in text.stdout, text.stderr


def test_the_action_group_all_lists_every_module():
    runtime = yaml.safe_load(open(os.path.join(COLLECTION, 'meta/runtime.yml')))
    assert sorted(runtime['action_groups']['all']) == MODULES


def test_the_playbooks_pass_the_syntax_check(collections_path, tmp_path):
    inventory = tmp_path / 'hosts.ini'
    inventory.write_text('[canary]\na\n\n[production]\nb\nc\n')
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_path, ANSIBLE_NOCOLOR='1', HOME=str(tmp_path))
    for playbook in ('rolling_patch', 'rolling_deploy'):
        checked = subprocess.run(['ansible-playbook', '--syntax-check', '-i', str(inventory), 'linux_patch_api.agent.%s' % playbook],
                                 env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=120)
        assert checked.returncode == 0, checked.stdout + checked.stderr
