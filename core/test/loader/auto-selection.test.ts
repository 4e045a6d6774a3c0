import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { parseOsRelease } from '@linux-patch-api/core';
import { createMemoryLogger } from '@linux-patch-api/core/testing';
import { createHooks } from '../../src/hooks.js';
import { loadPlugins } from '../../src/loader/load-plugins.js';
import type { PluginRegistry } from '../../src/loader/plugin-registry.js';
import { selectBackend } from '../../src/loader/select-backend.js';

/** os-release files as the distributions ship them (the fields detection reads), and the backend SPEC §1 assigns. */
const SYSTEMS: Array<[string, string, string]> = [
  ['Debian 12', 'ID=debian\nVERSION_ID="12"', 'apt'],
  ['Ubuntu 24.04', 'ID=ubuntu\nID_LIKE=debian\nVERSION_ID="24.04"', 'apt'],
  ['Linux Mint 21', 'ID=linuxmint\nID_LIKE="ubuntu debian"\nVERSION_ID="21.3"', 'apt'],
  ['Fedora 40', 'ID=fedora\nVERSION_ID=40', 'dnf'],
  ['RHEL 9', 'ID="rhel"\nID_LIKE="fedora"\nVERSION_ID="9.4"', 'dnf'],
  ['CentOS Stream 9', 'ID="centos"\nID_LIKE="rhel fedora"\nVERSION_ID="9"', 'dnf'],
  ['Rocky Linux 9', 'ID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.4"', 'dnf'],
  ['AlmaLinux 8', 'ID="almalinux"\nID_LIKE="rhel centos fedora"\nVERSION_ID="8.10"', 'dnf'],
  ['Amazon Linux 2023', 'ID="amzn"\nID_LIKE="fedora"\nVERSION_ID="2023"', 'dnf'],
  ['CentOS 7', 'ID="centos"\nID_LIKE="rhel fedora"\nVERSION_ID="7"', 'yum'],
  ['RHEL 7', 'ID="rhel"\nID_LIKE="fedora"\nVERSION_ID="7.9"', 'yum'],
  ['Amazon Linux 2', 'ID="amzn"\nID_LIKE="centos rhel fedora"\nVERSION_ID="2"', 'yum'],
  ['Alpine 3.20', 'ID=alpine\nVERSION_ID=3.20.3', 'apk'],
  ['Arch Linux', 'ID=arch', 'pacman'],
  ['Manjaro', 'ID=manjaro\nID_LIKE=arch', 'pacman'],
];

describe("auto backend selection over this repository's plugins", () => {
  let registry: PluginRegistry;
  before(async () => {
    registry = await loadPlugins({ plugins: [] }, createMemoryLogger(), createHooks());
  });

  for (const [system, osRelease, expected] of SYSTEMS) {
    it(`${system} → ${expected}`, () => {
      assert.equal(selectBackend(registry, { backend: { name: 'auto' } }, parseOsRelease(osRelease)).definition.name, expected);
    });
  }

  it('a system no plugin serves refuses the start', () => {
    assert.throws(
      () => selectBackend(registry, { backend: { name: 'auto' } }, parseOsRelease('ID=opensuse-leap\nID_LIKE="suse opensuse"')),
      /no backend fits this system: os-release ID opensuse-leap/,
    );
  });
});
