import assert from 'node:assert/strict';
import { it } from 'node:test';
import { bootTime, needsReboot, REBOOT_PACKAGES } from '../src/reboot-required.js';

it('needs a reboot only for a reboot-class package installed after boot', async () => {
  const booted = await bootTime();
  assert.ok(booted < Date.now() / 1000 && booted > 0);
  const names = new Set<string>(REBOOT_PACKAGES);
  assert.equal(needsReboot([{ name: 'kernel-core', installTime: booted - 3600 }], names, booted), false);
  assert.equal(needsReboot([{ name: 'kernel-core', installTime: booted + 60 }], names, booted), true);
  assert.equal(needsReboot([{ name: 'glibc', installTime: booted + 1 }], names, booted), true);
  assert.equal(needsReboot([{ name: 'bash', installTime: booted + 60 }], names, booted), false);
});
