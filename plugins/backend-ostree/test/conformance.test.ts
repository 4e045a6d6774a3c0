import { createProcessRunner, RecordingRunner, silentLogger, verifyBackend } from '@linux-patch-api/core/testing';
import { createOstreeSandbox, type OstreeSandbox } from '../../../test/support/sandbox/ostree.js';
import { ostreeBackendDefinition } from '../src/definition.js';

const recorder = new RecordingRunner(createProcessRunner());
let sandbox: OstreeSandbox | undefined;

verifyBackend({
  title: 'ostree backend conformance (real ostree on a sandbox sysroot)',
  async createBackend() {
    sandbox = await createOstreeSandbox();
    return ostreeBackendDefinition.create({ root: sandbox.root, runner: recorder, logger: silentLogger, stateDir: sandbox.dir });
  },
  recorder,
  fetchErrorOutputs: [
    'error: While fetching https://ostree.example.org/repo/objects/ab/cdef.filez: [404] Server returned HTTP 404',
    "error: While fetching https://ostree.example.org/repo/config: [6] Couldn't resolve host name",
    'error: opening repo: opendir(/srv/gone/repo): No such file or directory',
  ],
  cleanOutputs: [
    '',
    'Copying /etc changes: 0 modified, 0 removed, 0 added\nBootloader updated; bootconfig swap: yes; bootversion: boot.0.1, deployment count change: 1',
    'error: Cannot undeploy currently booted deployment 0',
  ],
  ascendingVersions: ['1.0~rc1', '1.0', '1.0-1', '1.1-1', '1:0.1-1'],
  validNames: ['lpaos', 'fedora-coreos', 'kernel-core', 'libstdc++6'],
  checkRefresh: true,
  checkRepair: true,
  dispose: () => sandbox?.dispose(),
});
