import { stat } from 'node:fs/promises';
import { release } from 'node:os';
import { join } from 'node:path';
import type { RebootFlag, RebootRule, RestartForecasting } from '@linux-patch-api/core';
import type { LocalDatabase } from './local-db.js';

const KERNEL = 'a new kernel runs only after a reboot';
const BOOT_LOADER = 'the boot loader is used only at the next boot';

/** Arch Linux packages that take effect only at the next boot. */
export const ARCH_REBOOT_RULES: readonly RebootRule[] = [
  { pattern: 'linux', why: KERNEL },
  { pattern: 'linux-lts', why: KERNEL },
  { pattern: 'linux-zen', why: KERNEL },
  { pattern: 'linux-hardened', why: KERNEL },
  { pattern: 'linux-rt', why: KERNEL },
  { pattern: 'linux-rt-lts', why: KERNEL },
  { pattern: 'linux-firmware*', why: 'firmware is loaded when the driver starts, at boot' },
  { pattern: 'intel-ucode', why: 'CPU microcode is loaded at boot' },
  { pattern: 'amd-ucode', why: 'CPU microcode is loaded at boot' },
  { pattern: 'grub', why: BOOT_LOADER },
  { pattern: 'shim*', why: BOOT_LOADER },
  { pattern: 'glibc', why: 'the C library stays loaded in every running program until a reboot' },
  { pattern: 'musl', why: 'the C library stays loaded in every running program until a reboot' },
  { pattern: 'systemd', why: 'the service manager (PID 1) keeps running the old version until a reboot' },
  { pattern: 'dbus', why: 'the system message bus cannot be restarted safely without a reboot' },
  { pattern: 'dbus-broker', why: 'the system message bus cannot be restarted safely without a reboot' },
];

/**
 * Forecasting for pacman: Arch's rules, the local database's file lists, and the one reboot sign
 * Arch has: the running kernel's module directory is gone once its package was upgraded.
 */
export class PacmanRestartForecast implements RestartForecasting {
  constructor(
    private readonly root: string | null,
    private readonly localDb: LocalDatabase,
  ) {}

  async rebootRules(): Promise<RebootRule[]> {
    return [...ARCH_REBOOT_RULES];
  }

  packageFiles(names: readonly string[]): Promise<Map<string, string[]>> {
    return this.localDb.files(names);
  }

  async rebootFlag(): Promise<RebootFlag> {
    const modules = join('/usr/lib/modules', release());
    // A root is not the running system: its kernel is not the one running.
    if (this.root !== null) return { required: false, packages: [], source: modules };
    const required = await stat(modules).then(
      () => false,
      () => true,
    );
    return { required, packages: [], source: `the missing ${modules}` };
  }
}
