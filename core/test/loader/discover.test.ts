import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createMemoryLogger } from '@linux-patch-api/core/testing';
import { createHooks } from '../../src/hooks.js';
import { discoverInstalledPlugins, nodeModulesPaths } from '../../src/loader/discover.js';
import { loadPlugins } from '../../src/loader/load-plugins.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const REPO = fileURLToPath(new URL('../../../', import.meta.url));

const temps: string[] = [];
after(async () => {
  for (const dir of temps) await rm(dir, { recursive: true, force: true });
});

/** An installed layout: PREFIX/node_modules/@linux-patch-api/<name> copied from fixtures. */
async function installedLayout(packages: Record<string, string>): Promise<string> {
  const prefix = await mkdtemp(join(tmpdir(), 'lpa-installed-'));
  temps.push(prefix);
  for (const [name, fixtureName] of Object.entries(packages)) {
    await cp(join(FIXTURES, fixtureName), join(prefix, 'node_modules', '@linux-patch-api', name), { recursive: true });
  }
  return join(prefix, 'node_modules');
}

describe('plugin discovery', () => {
  it('searches the node_modules directories Node would, nearest first, never inside node_modules/node_modules', () => {
    assert.deepEqual(nodeModulesPaths('/usr/lib/linux-patch-api/node_modules/@linux-patch-api/core/dist/loader'), [
      '/usr/lib/linux-patch-api/node_modules/@linux-patch-api/core/dist/loader/node_modules',
      '/usr/lib/linux-patch-api/node_modules/@linux-patch-api/core/dist/node_modules',
      '/usr/lib/linux-patch-api/node_modules/@linux-patch-api/core/node_modules',
      '/usr/lib/linux-patch-api/node_modules/@linux-patch-api/node_modules',
      '/usr/lib/linux-patch-api/node_modules',
      '/usr/lib/node_modules',
      '/usr/node_modules',
      '/node_modules',
    ]);
  });

  it("finds this repository's workspace plugin packages from the core, with their kinds", () => {
    assert.ok(nodeModulesPaths().includes(join(REPO, 'node_modules')));
    const found = discoverInstalledPlugins().map((pkg) => [pkg.name, pkg.kind]);
    for (const backend of ['apk', 'apt', 'dnf', 'pacman', 'yum']) {
      assert.ok(
        found.some(([name, kind]) => name === `@linux-patch-api/backend-${backend}` && kind === 'backend'),
        `backend-${backend} not discovered`,
      );
    }
    for (const audit of ['file', 'journald']) {
      assert.ok(found.some(([name, kind]) => name === `@linux-patch-api/audit-${audit}` && kind === 'audit'));
    }
    assert.ok(!found.some(([name]) => name === '@linux-patch-api/core'), 'the core is not a plugin');
  });

  it('loads the backend-* and audit-* packages of an installed layout and nothing else of the scope', async () => {
    const nodeModules = await installedLayout({
      'backend-fixture': 'good-backend',
      'audit-fixture': 'good-audit',
      'backend-helpers': 'plain-library',
      'tools-fixture': 'duplicate-backend',
    });
    const logger = createMemoryLogger();
    const registry = await loadPlugins({ plugins: [] }, logger, createHooks(), { nodeModulesDirs: [nodeModules] });
    assert.deepEqual(
      registry.plugins.map((plugin) => [plugin.name, plugin.origin.via]),
      [
        ['lpa-fixture-good-audit', 'installed'],
        ['lpa-fixture-good-backend', 'installed'],
      ],
    );
    assert.ok(
      logger.entries.some((entry) => entry.fields.package === 'lpa-fixture-plain-library'),
      'the package without a "linux-patch-api" field is reported as skipped',
    );
  });

  it('takes a package found in several node_modules from the nearest, like Node', async () => {
    const near = await installedLayout({ 'backend-fixture': 'good-backend' });
    const far = await installedLayout({ 'backend-fixture': 'duplicate-backend' });
    const found = discoverInstalledPlugins([near, far]);
    assert.deepEqual(
      found.map((pkg) => pkg.dir),
      [join(near, '@linux-patch-api', 'backend-fixture')],
    );
    const registry = await loadPlugins({ plugins: [] }, createMemoryLogger(), createHooks(), { nodeModulesDirs: [near, far] });
    assert.equal(registry.findBackend('fixture')?.plugin, 'lpa-fixture-good-backend');
  });

  it('refuses the start when an installed plugin is broken', async () => {
    const nodeModules = await installedLayout({ 'backend-fixture': 'good-backend', 'backend-broken': 'missing-dependency' });
    await assert.rejects(
      loadPlugins({ plugins: [] }, createMemoryLogger(), createHooks(), { nodeModulesDirs: [nodeModules] }),
      (error: Error & { code?: string }) => error.code === 'LPA_ERR_PLUGIN_LOAD' && /backend-broken/.test(error.message),
    );
  });

  it('picks the entry the active conditions select (TypeScript sources under --conditions=lpa-source)', async () => {
    const nodeModules = await installedLayout({});
    const dir = join(nodeModules, '@linux-patch-api', 'audit-conditional');
    await mkdir(join(dir, 'dist'), { recursive: true });
    await writeFile(
      join(dir, 'package.json'),
      JSON.stringify({
        name: '@linux-patch-api/audit-conditional',
        type: 'module',
        exports: { '.': { 'lpa-source': './source.mjs', types: './dist/index.d.ts', default: './dist/index.js' } },
        'linux-patch-api': { kind: 'audit' },
      }),
    );
    const plugin = (name: string) =>
      `export default { name: '${name}', apiVersion: '^1.0.0', apply(host) { host.registerAuditSink({ name: '${name}', priority: 1, available: () => true, create: () => ({}) }); } };\n`;
    await writeFile(join(dir, 'source.mjs'), plugin('from-source'));
    await writeFile(join(dir, 'dist', 'index.js'), plugin('from-dist'));
    const registry = await loadPlugins({ plugins: [] }, createMemoryLogger(), createHooks(), { nodeModulesDirs: [nodeModules] });
    // The test runner starts this file with --conditions=lpa-source (scripts/test.mjs).
    const expected = process.execArgv.some((arg) => arg.includes('lpa-source')) ? 'from-source' : 'from-dist';
    assert.deepEqual(
      registry.auditSinks.map((entry) => entry.definition.name),
      [expected],
    );
  });
});
