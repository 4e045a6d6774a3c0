import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { it } from 'node:test';
import { rebootRuleFor } from '@linux-patch-api/core';
import { makeSandboxDir } from '../../../test/support/sandbox/common.js';
import { REBOOT_PACKAGES } from '../src/reboot-required.js';
import type { RpmDatabase } from '../src/rpm-database.js';
import { RPM_REBOOT_RULES, RpmRestartForecast } from '../src/rpm-restart-forecast.js';

it("needs-restarting's list and the boot loaders need a reboot; their neighbours do not", () => {
  for (const name of [...REBOOT_PACKAGES, 'grub2-efi-x64', 'shim-x64']) {
    assert.ok(rebootRuleFor(name, RPM_REBOOT_RULES), `${name} needs a reboot`);
  }
  for (const name of ['kernel-headers', 'kernel-tools', 'glibc-devel', 'systemd-libs', 'dbus-libs']) {
    assert.equal(rebootRuleFor(name, RPM_REBOOT_RULES), null, `${name} needs no reboot`);
  }
});

it("the root's needs-restarting.d names count as rules too", async () => {
  const root = makeSandboxDir('rpm-rules');
  await mkdir(join(root, 'etc/dnf/plugins/needs-restarting.d'), { recursive: true });
  await writeFile(join(root, 'etc/dnf/plugins/needs-restarting.d/site.conf'), '# site\nopenssl-libs\n');
  const facet = new RpmRestartForecast(root, null as unknown as RpmDatabase, async () => {});
  const rules = await facet.rebootRules();
  assert.equal(rebootRuleFor('openssl-libs', rules)?.why, 'listed in /etc/dnf/plugins/needs-restarting.d');
});
