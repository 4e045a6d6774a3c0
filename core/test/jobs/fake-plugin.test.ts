import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createFakePackageManager } from '../../../test/support/fake-package-manager/index.js';
import { createHooks } from '../../src/hooks.js';
import { startPlugins } from '../../src/loader/start-plugins.js';
import { ProcessRunner } from '../../src/runner/process-runner.js';
import { silentLogger } from './harness.js';

const PLUGIN = fileURLToPath(new URL('../../../test/support/fake-package-manager/plugin.ts', import.meta.url));

test('the fake package manager loads as a plugin from a path in plugins: and is selected by os-release', async () => {
  const pm = await createFakePackageManager({ installed: { hello: '1.0' } });
  const stateDir = await mkdtemp(join(tmpdir(), 'lpa-fake-plugin-'));
  try {
    const started = await startPlugins({
      config: { plugins: [PLUGIN], backend: { name: 'auto', root: pm.root }, paths: { state_dir: stateDir } },
      configPath: join(stateDir, 'config.yaml'),
      logger: silentLogger,
      hooks: createHooks(),
      runner: new ProcessRunner(),
      discover: false,
    });
    assert.equal(started.selected.definition.name, 'fake');
    assert.equal(started.osRelease.id, 'lpa-fake');
    assert.deepEqual(
      (await started.backend.listInstalled()).map((pkg) => [pkg.name, pkg.version]),
      [['hello', '1.0']],
    );
    assert.notEqual(started.backend.validateName('--force'), null);
  } finally {
    await pm.cleanup();
    await rm(stateDir, { recursive: true, force: true });
  }
});
