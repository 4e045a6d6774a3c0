import { createFakePackageManager, type FakePackageManager } from '../../../test/support/fake-package-manager/index.js';
import { ProcessRunner } from '../../src/runner/process-runner.js';
import { RecordingRunner } from '../../src/testing/recording-runner.js';
import { verifyBackend } from '../../src/testing/verify-backend.js';

// The test package manager must honour the same contract as the real backends, or tests of the
// core built on it would prove nothing.
let pm: FakePackageManager;
const recorder = new RecordingRunner(new ProcessRunner());

verifyBackend({
  title: 'fake package manager backend conformance',
  async createBackend() {
    pm = await createFakePackageManager({
      installed: { hello: '1.0', tool: '2.0' },
      repo: { hello: ['1.0', '1.1'], tool: ['2.0'], dep: ['1.0'], extra: ['0.9'] },
      security: { hello: true },
    });
    return pm.backend(recorder);
  },
  dispose: () => pm.cleanup(),
  recorder,
  fetchErrorOutputs: ['E: Failed to fetch http://fake.invalid/pool/main/package.deb  404  Not Found'],
  cleanOutputs: ['', 'installed dep - -> 1.0'],
  ascendingVersions: ['0.9', '1.0', '1.0.5', '1.1', '2.0', '10.0'],
  validNames: ['libc6', 'g++', 'python3.11'],
  validVersions: ['1.0-1', '2:1.0'],
  fixtures: [{ name: 'dep' }, { name: 'extra', version: '0.9' }],
  operationTimeoutMs: 30_000,
});
