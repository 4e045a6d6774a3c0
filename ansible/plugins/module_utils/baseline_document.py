# -*- coding: utf-8 -*-
"""The baseline document (SPEC section 14): what a canary host received, with exact versions, so that
production gets exactly that.

    {"name": "2026-12-web", "created_at": "2026-12-07T01:02:03Z", "source_host": "canary1",
     "packages": [{"name": "curl", "version": "7.88.1-10+deb12u5"}, ...]}
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

from ansible.module_utils.six import string_types


class BaselineError(ValueError):
    pass


def check_pairs(packages, where):
    """``packages`` as a list of {name, version} with non-empty strings, or BaselineError."""
    if not isinstance(packages, list):
        raise BaselineError('%s: packages must be a list' % where)
    pairs = []
    seen = set()
    for index, entry in enumerate(packages):
        if not isinstance(entry, dict) or set(entry) != set(['name', 'version']):
            raise BaselineError('%s: packages[%d] must be {name, version}' % (where, index))
        name, version = entry['name'], entry['version']
        if not isinstance(name, string_types) or not isinstance(version, string_types) or not name or not version:
            raise BaselineError('%s: packages[%d] needs a name and a version' % (where, index))
        if name in seen:
            raise BaselineError('%s: %s is listed twice' % (where, name))
        seen.add(name)
        pairs.append(dict(name=name, version=version))
    return sorted(pairs, key=lambda pair: pair['name'])


def load(baseline):
    """A baseline given as the document itself (a dict) or as the path of a JSON file."""
    if isinstance(baseline, string_types):
        path = os.path.expanduser(baseline)
        try:
            with open(path) as handle:
                document = json.load(handle)
        except (IOError, OSError, ValueError) as error:
            raise BaselineError('baseline %s cannot be read: %s' % (path, error))
        where = 'baseline %s' % path
    else:
        document = baseline
        where = 'baseline'
    if not isinstance(document, dict) or 'packages' not in document:
        raise BaselineError('%s is not a baseline document (no packages)' % where)
    return dict(document, packages=check_pairs(document['packages'], where))


def same_content(a, b):
    """Two documents that differ only in created_at describe the same baseline."""
    def strip(doc):
        return dict((k, v) for k, v in doc.items() if k != 'created_at')
    return strip(a) == strip(b)
