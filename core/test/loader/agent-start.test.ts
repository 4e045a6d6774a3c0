import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isLpaError } from '@linux-patch-api/core';
import { captureLogger, createTestPki, REPO_ROOT, writeAgentConfig } from '../../../test/support/agent.js';
import { createFakePackageManager, type FakePackageManager } from '../../../test/support/fake-package-manager/index.js';
import { startAgent } from '../../src/agent.js';

// The agent's start goes through the loader: plugins from the config, backend selection, refusal.
const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const FAKE_PLUGIN = join(REPO_ROOT, 'test/support/fake-package-manager/plugin.ts');

let dir: string;
let pm: FakePackageManager;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lpa-agent-start-'));
  await createTestPki(dir);
  pm = await createFakePackageManager();
});
after(async () => {
  await pm?.cleanup();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function start(config: Record<string, unknown>) {
  const { configPath } = await writeAgentConfig(dir, { config });
  const logs: Record<string, unknown>[] = [];
  return {
    logs,
    agent: startAgent({ configPath, logger: captureLogger(logs), listen: { port: 0 }, plugins: { discover: false } }),
  };
}

describe('agent start with plugins', () => {
  it('selects the backend of backend.root by its os-release and serves with it', async () => {
    const { agent, logs } = await start({ plugins: [FAKE_PLUGIN], backend: { name: 'auto', root: pm.root } });
    const running = await agent;
    try {
      assert.equal(running.services.backend?.info().packageManager, 'fake-pm');
      assert.ok(logs.some((line) => line.msg === 'backend selected' && line.backend === 'fake' && line.matchedBy === 'id'));
    } finally {
      await running.stop();
    }
  });

  it('refuses to start, before listening, when a plugin is incompatible', async () => {
    const { agent, logs } = await start({
      plugins: [join(FIXTURES, 'api-mismatch'), FAKE_PLUGIN],
      backend: { name: 'fake', root: pm.root },
    });
    await assert.rejects(agent, (error) => isLpaError(error, 'LPA_ERR_PLUGIN_VERSION_MISMATCH'));
    assert.ok(!logs.some((line) => line.msg === 'linux-patch-api listening'));
  });

  it('refuses to start when backend.name names no registered backend', async () => {
    const { agent } = await start({ plugins: [FAKE_PLUGIN], backend: { name: 'zypper', root: pm.root } });
    await assert.rejects(
      agent,
      (error) => isLpaError(error, 'LPA_ERR_NO_BACKEND') && /available backends: fake/.test(error.message),
    );
  });
});
