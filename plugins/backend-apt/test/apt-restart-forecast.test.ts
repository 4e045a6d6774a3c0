import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { rebootRuleFor } from '@linux-patch-api/core';
import { type AptSandbox, createAptSandbox, HELLO } from '../../../test/support/sandbox/apt.js';
import { runTool } from '../../../test/support/sandbox/common.js';
import { AptRestartForecast, DEBIAN_REBOOT_RULES } from '../src/apt-restart-forecast.js';

describe('apt restart forecast', () => {
  let sandbox: AptSandbox;
  let facet: AptRestartForecast;
  before(async () => {
    sandbox = await createAptSandbox({ install: [`${HELLO}=1.0-1`] });
    facet = new AptRestartForecast(sandbox.root, join(sandbox.root, 'var/lib/dpkg'));
  });
  after(() => sandbox.dispose());

  it("Debian's kernel, boot, libc, systemd, microcode and dbus packages need a reboot; their neighbours do not", () => {
    for (const name of [
      'linux-image-6.1.0-13-amd64',
      'linux-image-amd64',
      'linux-signed-image-6.1.0-13-amd64',
      'grub-efi-amd64',
      'shim-signed',
      'systemd-boot',
      'libc6',
      'systemd',
      'intel-microcode',
      'amd64-microcode',
      'dbus',
      'linux-firmware',
    ]) {
      assert.ok(rebootRuleFor(name, DEBIAN_REBOOT_RULES), `${name} needs a reboot`);
    }
    for (const name of [
      'linux-headers-6.1.0-13-amd64',
      'libc6-dev',
      'libc-bin',
      'systemd-timesyncd',
      'dbus-user-session',
      'curl',
    ]) {
      assert.equal(rebootRuleFor(name, DEBIAN_REBOOT_RULES), null, `${name} needs no reboot`);
    }
  });

  it('package files are what dpkg -L prints (without /.), including multi-arch NAME:ARCH lists', async () => {
    const { stdout } = await runTool('/usr/bin/dpkg', [`--admindir=${join(sandbox.root, 'var/lib/dpkg')}`, '-L', HELLO]);
    const files = await facet.packageFiles([HELLO, 'not-installed']);
    assert.deepEqual([...files.keys()], [HELLO]);
    assert.deepEqual(
      files.get(HELLO),
      stdout.split('\n').filter((line) => line.startsWith('/') && line !== '/.'),
    );
    await writeFile(join(sandbox.root, 'var/lib/dpkg/info/libfoo1:amd64.list'), '/.\n/usr/lib/x86_64-linux-gnu/libfoo.so.1\n');
    assert.deepEqual((await facet.packageFiles(['libfoo1'])).get('libfoo1'), ['/usr/lib/x86_64-linux-gnu/libfoo.so.1']);
  });

  it("the reboot flag follows Debian's /run/reboot-required and names the packages of reboot-required.pkgs", async () => {
    assert.deepEqual(await facet.rebootFlag(), { required: false, packages: [], source: '/run/reboot-required' });
    await mkdir(join(sandbox.root, 'run'), { recursive: true });
    await writeFile(join(sandbox.root, 'run/reboot-required'), '*** System restart required ***\n');
    await writeFile(join(sandbox.root, 'run/reboot-required.pkgs'), 'libc6\nlinux-image-6.1.0-13-amd64\nlibc6\n');
    assert.deepEqual(await facet.rebootFlag(), {
      required: true,
      packages: ['libc6', 'linux-image-6.1.0-13-amd64'],
      source: '/run/reboot-required',
    });
  });
});
