# -*- coding: utf-8 -*-
# The options every module of linux_patch_api.agent takes (SPEC section 14).
from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    DOCUMENTATION = r'''
options:
  url:
    description:
      - Base URL of the agent, for example C(https://host.example.com:12443).
      - The request goes to this host with mutual TLS; the server certificate is always verified.
      - When not given, the environment variable E(LPA_URL) is used.
    type: str
    required: true
  client_cert:
    description:
      - PEM file with the client certificate the agent's CA issued (clientAuth).
      - When not given, the environment variable E(LPA_CLIENT_CERT) is used.
    type: path
    required: true
  client_key:
    description:
      - PEM file with the client certificate's private key.
      - When not given, the environment variable E(LPA_CLIENT_KEY) is used.
    type: path
    required: true
  ca_path:
    description:
      - PEM file with the CA that signed the agent's server certificate.
      - When not given, the environment variable E(LPA_CA_PATH) is used; without either, the system's
        trust store is used.
    type: path
  timeout:
    description:
      - Seconds one HTTP request may take.
    type: int
    default: 30
  wait:
    description:
      - Wait for a job the task started until it has finished, and report its measured changes.
      - With C(false) the task returns the pending job at once and reports C(changed=true) when a job
        was started (its changes cannot be measured yet). Check mode always waits, since the plan is
        what it returns.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for a job to finish. A job still running then fails the task; it is never
        submitted again, and M(linux_patch_api.agent.job_info) follows it.
    type: int
    default: 1800
notes:
  - The modules speak HTTPS to the agent from wherever they run; the usual pattern is to run them on the
    controller (C(connection=local) or C(delegate_to=localhost)) with C(url) naming each host.
  - All modules are in the action group C(linux_patch_api.agent.all), so C(module_defaults) can carry the
    connection options once for a whole play.
  - "A task submits a job at most once: the request that starts a job is sent once and never repeated by
    the module; an unfinished job of the same request is adopted instead of starting another; after a lost
    answer the module finds the job it started in C(GET /jobs) rather than sending again."
'''
