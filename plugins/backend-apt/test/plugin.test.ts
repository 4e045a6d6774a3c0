import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { BackendDefinition, OsRelease, PluginHost } from '@linux-patch-api/core';
import { PLUGIN_API_VERSION, parseOsRelease } from '@linux-patch-api/core';
import semver from 'semver';
import plugin from '../src/index.js';

function osRelease(text: string): OsRelease {
  return parseOsRelease(text);
}

async function registeredBackend(): Promise<BackendDefinition> {
  const registered: BackendDefinition[] = [];
  const host = {
    registerBackend: (definition: BackendDefinition) => registered.push(definition),
    registerAuditSink: () => assert.fail('the apt plugin registers no audit sink'),
  } as unknown as PluginHost;
  await plugin.apply(host, {});
  assert.equal(registered.length, 1);
  return registered[0]!;
}

describe('@linux-patch-api/backend-apt plugin', () => {
  it('is named after its package and supports the core plugin API', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string };
    assert.equal(plugin.name, pkg.name);
    assert.ok(semver.satisfies(PLUGIN_API_VERSION, plugin.apiVersion), `${PLUGIN_API_VERSION} outside ${plugin.apiVersion}`);
  });

  it('registers the apt backend, detected on Debian, Ubuntu and their derivatives only', async () => {
    const definition = await registeredBackend();
    assert.equal(definition.name, 'apt');
    assert.equal(definition.detect(osRelease('ID=debian\nVERSION_ID="12"\n')), true);
    assert.equal(definition.detect(osRelease('ID=ubuntu\nID_LIKE=debian\n')), true);
    assert.equal(definition.detect(osRelease('ID=linuxmint\nID_LIKE="ubuntu debian"\n')), true);
    assert.equal(definition.detect(osRelease('ID=pop\nID_LIKE="ubuntu"\n')), true);
    assert.equal(definition.detect(osRelease('ID=fedora\n')), false);
    assert.equal(definition.detect(osRelease('ID=rocky\nID_LIKE="rhel centos fedora"\n')), false);
    assert.equal(definition.detect(osRelease('ID=alpine\n')), false);
  });
});
