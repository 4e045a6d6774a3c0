#!/usr/bin/python
# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: info
short_description: Read what a linux-patch-api agent knows about its host
description:
  - Reads installed packages, available updates, system information, the agent's capabilities, its health
    and (on atomic hosts) its deployments, in one task. Nothing is changed.
  - An agent without C(GET /capabilities) (contract 1.0) is reported with C(capabilities=null) and
    C(contract=1.0); facts it cannot give are left out.
version_added: 1.0.0
author: linux-patch-api maintainers
extends_documentation_fragment:
  - linux_patch_api.agent.connection
options:
  gather:
    description:
      - What to read. The default is everything the agent supports (C(deployments) only where the
        capabilities say the host is atomic).
      - Naming C(deployments) or C(capabilities) for an agent that lacks them fails the task.
    type: list
    elements: str
    choices: [packages, patches, system, capabilities, health, deployments]
attributes:
  check_mode:
    support: full
'''

EXAMPLES = r'''
- name: Everything the agent can tell
  linux_patch_api.agent.info:
    url: https://web1.example.com:12443
    client_cert: /etc/lpa/client.pem
    client_key: /etc/lpa/client.key
    ca_path: /etc/lpa/ca.pem
  register: agent

- name: Health and pending updates only (connection settings from module_defaults)
  linux_patch_api.agent.info:
    gather: [health, patches]
  register: agent

- ansible.builtin.debug:
    msg: "{{ agent.patches | map(attribute='name') | list }}"
'''

RETURN = r'''
contract:
  description: C(1.0) for an agent without C(GET /capabilities), else the capabilities' C(api_version).
  returned: always
  type: str
packages:
  description: Installed packages (C(GET /packages) C(data.packages)).
  returned: when gathered
  type: list
  elements: dict
patches:
  description: Available updates (C(GET /patches) C(data.patches)).
  returned: when gathered
  type: list
  elements: dict
last_cache_update:
  description: When the agent last refreshed its package index.
  returned: when patches are gathered
  type: str
system:
  description: C(GET /system/info) (hostname, os, kernel, reboot_required, agent version, ...).
  returned: when gathered
  type: dict
capabilities:
  description: C(GET /capabilities), or null for a contract 1.0 agent.
  returned: when gathered
  type: dict
health:
  description: C(GET /health) (status, uptime_seconds, version, last_cache_update, cache_status).
  returned: when gathered
  type: dict
deployments:
  description: C(GET /deployments) C(data.deployments) on atomic hosts.
  returned: when gathered and the agent has deployments
  type: list
  elements: dict
'''

from ansible_collections.linux_patch_api.agent.plugins.module_utils.agent_client import AgentError, agent_module, run_module

FACTS = ['packages', 'patches', 'system', 'capabilities', 'health', 'deployments']


def gather(module, client):
    requested = module.params['gather']
    caps = client.capabilities()
    result = dict(changed=False, contract='1.0' if caps is None else str(caps.get('api_version')))
    has_deployments = client.supports('deployments', None)
    wanted = requested or [fact for fact in FACTS if fact != 'deployments' or has_deployments]
    for fact in wanted:
        if fact == 'capabilities':
            if caps is None and requested:
                raise AgentError('NOT_SUPPORTED', '%s has no capabilities to read' % client.describe_agent())
            result['capabilities'] = caps
        elif fact == 'deployments':
            if not has_deployments:
                raise AgentError('NOT_SUPPORTED', '%s manages no deployments (not an atomic host)' % client.describe_agent())
            result['deployments'] = client.read('/deployments').data.get('deployments')
        elif fact == 'packages':
            result['packages'] = client.read('/packages').data.get('packages')
        elif fact == 'patches':
            data = client.read('/patches').data
            result['patches'] = data.get('patches')
            result['last_cache_update'] = data.get('last_cache_update')
        elif fact == 'system':
            result['system'] = client.read('/system/info').data
        elif fact == 'health':
            result['health'] = client.read('/health').data
    return result


def main():
    module = agent_module(dict(gather=dict(type='list', elements='str', choices=FACTS)), supports_check_mode=True)
    run_module(module, lambda client: gather(module, client))


if __name__ == '__main__':
    main()
