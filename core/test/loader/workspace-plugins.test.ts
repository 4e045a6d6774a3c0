import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PLUGIN_API_VERSION } from '@linux-patch-api/core';
import { createMemoryLogger } from '@linux-patch-api/core/testing';
import semver from 'semver';
import { createHooks } from '../../src/hooks.js';
import { loadPlugins } from '../../src/loader/load-plugins.js';

describe("this repository's plugins through the real loader", () => {
  it('discovers and loads every workspace plugin: right shape, compatible API, no duplicate names', async () => {
    const registry = await loadPlugins({ plugins: [] }, createMemoryLogger(), createHooks());
    const names = registry.plugins.map((plugin) => plugin.name);
    for (const expected of [
      'audit-file',
      'audit-journald',
      'backend-apk',
      'backend-apt',
      'backend-dnf',
      'backend-ostree',
      'backend-pacman',
      'backend-yum',
    ]) {
      assert.ok(names.includes(`@linux-patch-api/${expected}`), `${expected} not loaded`);
    }
    for (const plugin of registry.plugins) {
      assert.equal(plugin.origin.via, 'installed');
      assert.ok(semver.satisfies(PLUGIN_API_VERSION, plugin.apiVersion), `${plugin.name}: ${plugin.apiVersion}`);
    }
  });
});
