import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type BackendContext, definePlugin, isLpaError } from '@linux-patch-api/core';
import { createMemoryLogger, RecordingRunner } from '@linux-patch-api/core/testing';
import { createHooks } from '../../src/hooks.js';
import { startPlugins } from '../../src/loader/start-plugins.js';
import { MemoryBackend } from '../testing/memory-backend.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const temps: string[] = [];
after(async () => {
  for (const dir of temps) await rm(dir, { recursive: true, force: true });
});

async function rootWith(osRelease: string): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'lpa-start-'));
  temps.push(root);
  await mkdir(join(root, 'etc'));
  await writeFile(join(root, 'etc', 'os-release'), osRelease);
  return root;
}

describe('startPlugins', () => {
  it('loads plugins, detects the root distribution and creates its backend with the context', async () => {
    const root = await rootWith('ID=fixtureos\n');
    const runner = new RecordingRunner();
    const contexts: BackendContext[] = [];
    const created = new MemoryBackend(runner);
    const memory = definePlugin({
      name: 'memory-backend',
      apiVersion: '^1.0.0',
      apply(host) {
        host.registerBackend({
          name: 'memory',
          detect: (os) => os.id === 'memoryos',
          create: (ctx) => {
            contexts.push(ctx);
            return created;
          },
        });
      },
    });
    const started = await startPlugins({
      config: { plugins: ['./good-backend'], backend: { name: 'auto', root }, paths: { state_dir: '/var/lib/lpa-test' } },
      configPath: join(FIXTURES, 'config.yaml'),
      logger: createMemoryLogger(),
      hooks: createHooks(),
      runner,
      plugins: [memory],
      discover: false,
    });
    assert.equal(started.osRelease.id, 'fixtureos');
    assert.deepEqual([started.selected.definition.name, started.selected.matchedBy], ['fixture', 'id']);
    assert.deepEqual(started.backend.info(), { packageManager: 'fixture', root });
    assert.deepEqual(
      started.registry.backends.map((entry) => entry.definition.name),
      ['memory', 'fixture'],
    );
    assert.equal(contexts.length, 0, 'only the selected backend is created');

    const byName = await startPlugins({
      config: { plugins: [], backend: { name: 'memory', root }, paths: { state_dir: '/var/lib/lpa-test' } },
      configPath: join(FIXTURES, 'config.yaml'),
      logger: createMemoryLogger(),
      hooks: createHooks(),
      runner,
      plugins: [memory],
      discover: false,
    });
    assert.equal(byName.backend, created);
    const [context] = contexts;
    assert.ok(context);
    assert.equal(context.root, root);
    assert.equal(context.runner, runner);
    assert.equal(context.stateDir, '/var/lib/lpa-test');
  });

  it('refuses the start when the backend cannot be created', async () => {
    const failing = definePlugin({
      name: 'failing-backend',
      apiVersion: '^1.0.0',
      apply(host) {
        host.registerBackend({
          name: 'failing',
          detect: () => true,
          create: () => {
            throw new Error('dpkg database missing');
          },
        });
      },
    });
    await assert.rejects(
      startPlugins({
        config: { plugins: [], backend: { name: 'failing', root: null }, paths: { state_dir: '/tmp' } },
        configPath: '/nonexistent/config.yaml',
        logger: createMemoryLogger(),
        hooks: createHooks(),
        runner: new RecordingRunner(),
        plugins: [failing],
        discover: false,
      }),
      (error) =>
        isLpaError(error, 'LPA_ERR_BACKEND') &&
        /backend "failing" .* could not be created: dpkg database missing/.test(error.message),
    );
  });

  it('refuses the start when create() returns something that is not a whole backend', async () => {
    const partial = definePlugin({
      name: 'partial-backend',
      apiVersion: '^1.0.0',
      apply(host) {
        const { repair: _repair, findLockHolder: _findLockHolder, ...rest } = new MemoryBackend(new RecordingRunner());
        host.registerBackend({ name: 'partial', detect: () => true, create: () => rest as never });
      },
    });
    await assert.rejects(
      startPlugins({
        config: { plugins: [], backend: { name: 'partial', root: null }, paths: { state_dir: '/tmp' } },
        configPath: '/nonexistent/config.yaml',
        logger: createMemoryLogger(),
        hooks: createHooks(),
        runner: new RecordingRunner(),
        plugins: [partial],
        discover: false,
      }),
      (error) =>
        isLpaError(error, 'LPA_ERR_PLUGIN_INVALID') &&
        /backend "partial" .* without .*findLockHolder\(\), repair\(\)/.test(error.message),
    );
  });

  it('refuses the start when no backend fits the root', async () => {
    const root = await rootWith('ID=plan9\n');
    await assert.rejects(
      startPlugins({
        config: { plugins: ['./good-backend'], backend: { name: 'auto', root }, paths: { state_dir: '/tmp' } },
        configPath: join(FIXTURES, 'config.yaml'),
        logger: createMemoryLogger(),
        hooks: createHooks(),
        runner: new RecordingRunner(),
        discover: false,
      }),
      (error) => isLpaError(error, 'LPA_ERR_NO_BACKEND') && /ID plan9; available backends: fixture/.test(error.message),
    );
  });
});
