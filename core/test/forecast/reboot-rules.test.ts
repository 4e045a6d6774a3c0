import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RebootRule } from '../../src/contracts/forecast.js';
import { bootFileOf, matchesRule, rebootReasons, rebootRuleFor, unitsOf } from '../../src/forecast/reboot-rules.js';

const RULES: RebootRule[] = [
  { pattern: 'linux-image-*', why: 'kernel' },
  { pattern: 'linux', why: 'arch kernel' },
  { pattern: 'libc6', why: 'libc' },
];

describe('reboot rules', () => {
  it('a pattern ending in * matches by prefix; any other pattern only the exact name', () => {
    assert.equal(matchesRule('linux-image-6.1.0-13-amd64', RULES[0] as RebootRule), true);
    assert.equal(matchesRule('linux-image', RULES[0] as RebootRule), false);
    assert.equal(matchesRule('linux', RULES[1] as RebootRule), true);
    assert.equal(matchesRule('linux-headers', RULES[1] as RebootRule), false);
    assert.equal(matchesRule('libc6-dev', RULES[2] as RebootRule), false);
    assert.equal(rebootRuleFor('libc6', RULES)?.why, 'libc');
    assert.equal(rebootRuleFor('libc-bin', RULES), null);
  });

  it('gives one reason per package: the rule by name first, else a file read only at boot', () => {
    const reasons = rebootReasons(
      [
        { name: 'linux-image-9.9', files: ['/boot/vmlinuz-9.9'] },
        { name: 'vendor-kernel', files: ['/usr/share/doc/x', '/usr/lib/modules/9.9/kernel/x.ko'] },
        { name: 'curl', files: ['/usr/bin/curl'] },
        { name: 'unknown-files' },
      ],
      RULES,
    );
    assert.deepEqual(reasons, [
      { package: 'linux-image-9.9', why: 'kernel' },
      { package: 'vendor-kernel', why: 'ships /usr/lib/modules/9.9/kernel/x.ko, which is read only at boot' },
    ]);
  });

  it('boot files are those under /boot, the module directories and the EFI partition', () => {
    assert.equal(bootFileOf(['/usr/bin/x', '/boot/grub/grub.cfg']), '/boot/grub/grub.cfg');
    assert.equal(bootFileOf(['/lib/modules/6.1/modules.dep']), '/lib/modules/6.1/modules.dep');
    assert.equal(bootFileOf(['/efi/EFI/BOOT/BOOTX64.EFI']), '/efi/EFI/BOOT/BOOTX64.EFI');
    assert.equal(bootFileOf(['/usr/share/boot/readme', '/bootstrap']), null);
  });

  it('units are unit files directly in a system unit directory', () => {
    assert.deepEqual(
      unitsOf([
        '/lib/systemd/system/ssh.service',
        '/usr/lib/systemd/system/cron.timer',
        '/etc/systemd/system/custom.socket',
        '/usr/lib/systemd/system/getty@.service',
        '/lib/systemd/system/ssh.service.d/override.conf',
        '/usr/lib/systemd/user/pipewire.service',
        '/lib/systemd/system/multi-user.target',
        '/usr/share/doc/ssh.service',
      ]),
      ['ssh.service', 'cron.timer', 'custom.socket', 'getty@.service'],
    );
  });
});
