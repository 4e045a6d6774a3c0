import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startTestAgent, type TestAgent } from '../../../test/support/agent.js';
import type { PackageManagerBackend } from '../../src/contracts/backend.js';
import { rebootFlagPresent } from '../../src/http/routes/system-info.js';
import { readOsRelease } from '../../src/system/os-release.js';
import { CORE_VERSION } from '../../src/version.js';

let t: TestAgent;
before(async () => {
  t = await startTestAgent();
});
after(() => t.stop());

test('GET /system/info reports this host', async () => {
  const res = await t.request('/system/info');
  assert.equal(res.status, 200);
  const data = res.json.data;
  const release = await readOsRelease();
  assert.equal(data.hostname, os.hostname());
  assert.deepEqual(data.os, { id: release.id, name: release.name, version_id: release.versionId, id_like: release.idLike });
  assert.equal(data.kernel, os.release());
  assert.equal(data.architecture, os.machine());
  assert.ok(Number.isInteger(data.uptime_seconds) && data.uptime_seconds > 0);
  assert.equal(data.agent_version, CORE_VERSION);
  assert.equal(data.last_update_time, null);
  assert.equal(data.package_manager, null, 'no backend selected yet');
  assert.equal(data.package_manager_path, null);
});

test('package manager, reboot flag and last update come from the backend and services when present', async () => {
  const services = t.agent.services;
  const backend = {
    info: () => ({ packageManager: 'apk', root: null, executable: '/usr/sbin/apk' }),
    rebootRequired: async () => true,
  } as unknown as PackageManagerBackend;
  const originalLastUpdate = services.lastUpdateTime;
  services.backend = backend;
  services.lastUpdateTime = async () => '2026-03-04T05:06:07Z';
  try {
    const data = (await t.request('/system/info')).json.data;
    assert.equal(data.package_manager, 'apk');
    assert.equal(data.package_manager_path, '/usr/sbin/apk', 'the program the backend runs');
    assert.equal(data.reboot_required, true);
    assert.equal(data.last_update_time, '2026-03-04T05:06:07Z');
  } finally {
    services.backend = null;
    services.lastUpdateTime = originalLastUpdate;
  }
});

test('the Debian reboot flag is a file that exists or not', async () => {
  const dir = await mkdtemp(join(os.tmpdir(), 'lpa-reboot-'));
  try {
    const flag = join(dir, 'reboot-required');
    assert.equal(await rebootFlagPresent(flag), false);
    await writeFile(flag, '*** System restart required ***\n');
    assert.equal(await rebootFlagPresent(flag), true);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
