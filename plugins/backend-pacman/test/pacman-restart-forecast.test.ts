import assert from 'node:assert/strict';
import { it } from 'node:test';
import { rebootRuleFor } from '@linux-patch-api/core';
import { LocalDatabase } from '../src/local-db.js';
import { ARCH_REBOOT_RULES, PacmanRestartForecast } from '../src/pacman-restart-forecast.js';

it("Arch's kernels, microcode, boot loaders, glibc, systemd and dbus need a reboot; their neighbours do not", () => {
  for (const name of [
    'linux',
    'linux-lts',
    'linux-zen',
    'linux-hardened',
    'linux-firmware',
    'linux-firmware-whence',
    'intel-ucode',
    'amd-ucode',
    'grub',
    'glibc',
    'systemd',
    'dbus',
  ]) {
    assert.ok(rebootRuleFor(name, ARCH_REBOOT_RULES), `${name} needs a reboot`);
  }
  for (const name of ['linux-headers', 'linux-api-headers', 'linux-lts-headers', 'lib32-glibc', 'systemd-libs', 'dbus-glib']) {
    assert.equal(rebootRuleFor(name, ARCH_REBOOT_RULES), null, `${name} needs no reboot`);
  }
});

it('a root is never the running system: its reboot flag is never set', async () => {
  const facet = new PacmanRestartForecast('/nonexistent-root', new LocalDatabase('/nonexistent-root/var/lib/pacman'));
  assert.equal((await facet.rebootFlag()).required, false);
});
