import { createProcessRunner, RecordingRunner, verifyBackend } from '@linux-patch-api/core/testing';
import { createFakePackageManager, type FakePackageManager } from '../../../test/support/fake-package-manager/index.js';

// The kit against the project's fake package manager: a real executable driven through the real
// runner, which the job and route tests use as their backend. It must meet the same contract.
const recorder = new RecordingRunner(createProcessRunner());
let pm: FakePackageManager | undefined;

verifyBackend({
  title: 'fake package manager conformance',
  async createBackend() {
    pm = await createFakePackageManager({
      installed: { hello: '1.0', base: '2.0' },
      repo: { hello: ['1.0', '1.1'], base: ['2.0'], extra: ['3.0'], up: ['1.0', '1.1'] },
    });
    return pm.backend(recorder);
  },
  recorder,
  fetchErrorOutputs: ['fake-pm: Failed to fetch index: connection refused'],
  fixtures: [{ name: 'extra', version: '3.0' }],
  upgradeFixture: { name: 'up', from: '1.0', to: '1.1' },
  checkRefresh: true,
  // Not checkRepair: the fake reports `needed: true` for every repair, even on a consistent root.
  dispose: () => pm?.cleanup(),
});
