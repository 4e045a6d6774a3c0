import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CORE_VERSION, PLUGIN_API_VERSION } from '@linux-patch-api/core';
import semver from 'semver';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

interface Manifest {
  name: string;
  version: string;
  peerDependencies?: Record<string, string>;
  'linux-patch-api'?: { kind?: string };
}

const readManifest = (dir: string) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
const coreManifest = readManifest(join(REPO, 'core'));
const packages = readdirSync(join(REPO, 'plugins')).map((dir) => ({ dir, manifest: readManifest(join(REPO, 'plugins', dir)) }));
/** Plugin packages are the backend-* and audit-* folders; others (shared libraries) are not plugins. */
const kindOfFolder = (dir: string) => (dir.startsWith('backend-') ? 'backend' : dir.startsWith('audit-') ? 'audit' : null);
const plugins = packages.filter(({ dir }) => kindOfFolder(dir) !== null);

describe('versions kept in step', () => {
  it('CORE_VERSION is the core package version', () => {
    assert.equal(CORE_VERSION, coreManifest.version);
  });

  it('PLUGIN_API_VERSION is valid semver and its major is the core major', () => {
    assert.ok(semver.valid(PLUGIN_API_VERSION), PLUGIN_API_VERSION);
    assert.equal(semver.major(PLUGIN_API_VERSION), semver.major(coreManifest.version));
  });

  it("every plugin's peerDependencies range on the core admits the core version", () => {
    assert.ok(plugins.length >= 8, 'the plugins folder holds the plugin packages');
    for (const { dir, manifest } of plugins) {
      const range = manifest.peerDependencies?.['@linux-patch-api/core'];
      assert.ok(range, `${dir}: no peerDependencies['@linux-patch-api/core']`);
      assert.ok(semver.satisfies(coreManifest.version, range), `${dir}: ${range} does not admit core ${coreManifest.version}`);
    }
  });

  it('every plugin package declares the kind its name says, and no other package claims one', () => {
    for (const { dir, manifest } of packages) {
      assert.equal(manifest.name, `@linux-patch-api/${dir}`);
      assert.equal(manifest['linux-patch-api']?.kind, kindOfFolder(dir) ?? undefined, `${dir}: "linux-patch-api".kind`);
    }
  });
});
