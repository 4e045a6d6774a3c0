import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { definePlugin, isLpaError, type Job, type LpaErrorCode } from '@linux-patch-api/core';
import { createMemoryLogger } from '@linux-patch-api/core/testing';
import { createHooks } from '../../src/hooks.js';
import { loadPlugins } from '../../src/loader/load-plugins.js';
import { PLUGIN_API_VERSION } from '../../src/version.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const fixture = (name: string) => join(FIXTURES, name);

const temps: string[] = [];
after(async () => {
  for (const dir of temps) await rm(dir, { recursive: true, force: true });
});

async function pluginDirectory(...fixtures: string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lpa-plugin-dir-'));
  temps.push(dir);
  for (const name of fixtures) await cp(fixture(name), join(dir, name), { recursive: true });
  return dir;
}

/** Loads only what the config lists (no node_modules discovery). */
function load(plugins: string[], options: { baseDir?: string } = {}) {
  const logger = createMemoryLogger();
  const hooks = createHooks();
  return { logger, hooks, registry: loadPlugins({ plugins }, logger, hooks, { discover: false, ...options }) };
}

async function refusal(promise: Promise<unknown>, code: LpaErrorCode, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error) => {
    assert.ok(isLpaError(error), `expected an LpaError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    assert.match(error.message, pattern);
    return true;
  });
}

function job(request: Record<string, unknown>): Job {
  return {
    id: 'j1',
    type: 'package_install',
    status: 'pending',
    progress: 0,
    progress_message: null,
    created_at: new Date().toISOString(),
    started_at: null,
    finished_at: null,
    request,
    client: null,
    changes: [],
    plan: null,
    plan_hash: null,
    log: [],
    error: null,
    rollback_of: null,
    rolled_back_by: null,
  };
}

describe('loadPlugins: config entries', () => {
  it('loads package directories by path, registering backends, sinks and hook taps', async () => {
    const { registry, hooks } = load([fixture('good-backend'), fixture('good-audit')]);
    const loaded = await registry;
    assert.deepEqual(
      loaded.plugins.map((plugin) => [plugin.name, plugin.origin.via, plugin.origin.kind]),
      [
        ['lpa-fixture-good-backend', 'config', 'backend'],
        ['lpa-fixture-good-audit', 'config', 'audit'],
      ],
    );
    assert.deepEqual(
      loaded.backends.map((entry) => [entry.definition.name, entry.plugin]),
      [['fixture', 'lpa-fixture-good-backend']],
    );
    assert.equal(loaded.findAuditSink('fixture-sink')?.plugin, 'lpa-fixture-good-audit');
    assert.deepEqual(await hooks.beforeApply.promise(job({ veto: true }), []), { reason: 'fixture veto' });
    assert.equal(await hooks.beforeApply.promise(job({}), []), undefined);
  });

  it('resolves relative paths against baseDir and loads a plain module file', async () => {
    const dir = await pluginDirectory();
    await writeFile(
      join(dir, 'single.mjs'),
      "export default { name: 'single-file', apiVersion: '^1.0.0', apply(host) { host.registerBackend({ name: 'single', detect: () => false, create: () => ({}) }); } };\n",
    );
    const { registry } = load(['./single.mjs'], { baseDir: dir });
    assert.equal((await registry).findBackend('single')?.plugin, 'single-file');
  });

  it('loads every plugin package of a plugin directory and skips packages that are not plugins', async () => {
    const dir = await pluginDirectory('good-backend', 'good-audit', 'plain-library');
    const { registry, logger } = load([dir]);
    const loaded = await registry;
    assert.deepEqual(loaded.plugins.map((plugin) => [plugin.name, plugin.origin.via]).sort(), [
      ['lpa-fixture-good-audit', 'directory'],
      ['lpa-fixture-good-backend', 'directory'],
    ]);
    assert.ok(logger.entries.some((entry) => entry.level === 'warn' && entry.fields.package === 'lpa-fixture-plain-library'));
  });

  it('loads a module by package name from the node_modules it searches', async () => {
    const root = await pluginDirectory();
    await cp(fixture('good-audit'), join(root, 'node_modules', '@acme', 'lpa-audit'), { recursive: true });
    const logger = createMemoryLogger();
    const registry = await loadPlugins({ plugins: ['@acme/lpa-audit'] }, logger, createHooks(), {
      discover: false,
      nodeModulesDirs: [join(root, 'node_modules')],
    });
    assert.equal(registry.findAuditSink('fixture-sink')?.plugin, 'lpa-fixture-good-audit');
  });

  it('applies a module reached twice (by path and as part of a directory) once', async () => {
    const dir = await pluginDirectory('good-backend');
    const { registry } = load([join(dir, 'good-backend'), dir]);
    assert.equal((await registry).plugins.length, 1);
  });

  it('skips an optional entry that is not installed and says so in the log', async () => {
    const { registry, logger } = load(['/nonexistent/lpa-plugin?', '@acme/not-installed-anywhere?', fixture('good-backend')]);
    assert.deepEqual(
      (await registry).plugins.map((plugin) => plugin.name),
      ['lpa-fixture-good-backend'],
    );
    const skipped = logger.entries.filter((entry) => entry.message.includes('not installed'));
    assert.deepEqual(
      skipped.map((entry) => entry.fields.entry),
      ['/nonexistent/lpa-plugin?', '@acme/not-installed-anywhere?'],
    );
  });

  it('refuses to start when a required entry is not installed', async () => {
    await refusal(
      load(['@acme/not-installed-anywhere']).registry,
      'LPA_ERR_PLUGIN_LOAD',
      /"@acme\/not-installed-anywhere" from the config is not installed/,
    );
    await refusal(
      load(['/nonexistent/lpa-plugin']).registry,
      'LPA_ERR_PLUGIN_LOAD',
      /not installed: \/nonexistent\/lpa-plugin does not exist/,
    );
  });
});

describe('loadPlugins: plugins broken on purpose refuse the start with the reason', () => {
  it('missing dependency inside an installed plugin (even when the entry is optional)', async () => {
    await refusal(
      load([`${fixture('missing-dependency')}?`]).registry,
      'LPA_ERR_PLUGIN_LOAD',
      /installed but cannot be loaded: .*lpa-fixture-dependency-that-is-not-installed/,
    );
  });

  it('throws while its module is evaluated', async () => {
    await refusal(
      load([fixture('throws-on-import')]).registry,
      'LPA_ERR_PLUGIN_LOAD',
      /cannot be loaded: fixture exploded while loading/,
    );
  });

  it('plugin API mismatch, refused before apply() runs', async () => {
    const globals = globalThis as { lpaFixtureApiMismatchApplied?: boolean };
    await refusal(
      load([fixture('api-mismatch')]).registry,
      'LPA_ERR_PLUGIN_VERSION_MISMATCH',
      new RegExp(
        `plugin lpa-fixture-api-mismatch .* supports plugin API \\^2\\.0\\.0, but this core provides plugin API ${PLUGIN_API_VERSION.replaceAll('.', '\\.')}$`,
      ),
    );
    assert.equal(globals.lpaFixtureApiMismatchApplied, false, 'apply() ran on a mismatched core');
  });

  it('duplicate backend, naming both plugins', async () => {
    await refusal(
      load([fixture('good-backend'), fixture('duplicate-backend')]).registry,
      'LPA_ERR_DUPLICATE_BACKEND',
      /plugin lpa-fixture-duplicate-backend registers backend "fixture", which plugin lpa-fixture-good-backend already registered/,
    );
  });

  it('two copies of one plugin at different paths, naming both', async () => {
    const dir = await pluginDirectory('good-backend');
    await refusal(
      load([fixture('good-backend'), join(dir, 'good-backend')]).registry,
      'LPA_ERR_DUPLICATE_BACKEND',
      new RegExp(`two copies of the plugin: ${fixture('good-backend')}/index.js and ${dir}/good-backend/index.js`),
    );
  });

  it('throws in apply(), leaving nothing of it registered', async () => {
    const hooks = createHooks();
    const logger = createMemoryLogger();
    await refusal(
      loadPlugins({ plugins: [fixture('throws-in-apply')] }, logger, hooks, { discover: false }),
      'LPA_ERR_PLUGIN_LOAD',
      /plugin lpa-fixture-throws-in-apply .* failed in apply\(\): cannot open \/etc\/fixture\.conf/,
    );
    assert.equal(hooks.onJobUpdate.taps.length, 0, 'a hook tap of the failed plugin stayed');
  });

  it('bad shape: every problem named', async () => {
    await refusal(
      load([fixture('bad-shape')]).registry,
      'LPA_ERR_PLUGIN_INVALID',
      /lpa-fixture-bad-shape .* is not a valid plugin: apiVersion must be a semver range .*; apply must be a function/,
    );
  });

  it('not a plugin at all', async () => {
    await refusal(load([fixture('not-a-plugin')]).registry, 'LPA_ERR_PLUGIN_INVALID', /is not a linux-patch-api plugin/);
  });

  it('a backend definition without create()', async () => {
    await refusal(
      load([fixture('bad-backend-definition')]).registry,
      'LPA_ERR_PLUGIN_INVALID',
      /registers backend "incomplete" without create\(\)/,
    );
  });

  it('a package whose built entry is missing', async () => {
    const dir = await pluginDirectory();
    await mkdir(join(dir, 'unbuilt'));
    await writeFile(
      join(dir, 'unbuilt', 'package.json'),
      JSON.stringify({
        name: 'unbuilt',
        type: 'module',
        exports: { '.': { default: './dist/index.js' } },
        'linux-patch-api': { kind: 'backend' },
      }),
    );
    await refusal(load([dir]).registry, 'LPA_ERR_PLUGIN_LOAD', /dist\/index\.js does not exist \(is the package built\?\)/);
  });

  it('an unknown plugin kind in package.json', async () => {
    const dir = await pluginDirectory('good-backend');
    const manifest = join(dir, 'good-backend', 'package.json');
    await writeFile(manifest, JSON.stringify({ name: 'x', exports: './index.js', 'linux-patch-api': { kind: 'scheduler' } }));
    await refusal(
      load([dir]).registry,
      'LPA_ERR_PLUGIN_INVALID',
      /"linux-patch-api"\.kind must be "backend" or "audit", got "scheduler"/,
    );
  });
});

describe('loadPlugins: built-in plugin objects', () => {
  it('applies them first, so a loaded plugin cannot take their backend name', async () => {
    const builtin = definePlugin({
      name: 'test-backend',
      apiVersion: '^1.0.0',
      apply(host) {
        host.registerBackend({ name: 'fixture', detect: () => true, create: () => ({}) as never });
      },
    });
    await refusal(
      loadPlugins({ plugins: [fixture('good-backend')] }, createMemoryLogger(), createHooks(), {
        discover: false,
        plugins: [builtin],
      }),
      'LPA_ERR_DUPLICATE_BACKEND',
      /which plugin test-backend already registered/,
    );
  });
});
