import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { RebootFlag, RebootRule, RestartForecasting } from '@linux-patch-api/core';

/** Debian and Ubuntu packages that take effect only at the next boot. */
export const DEBIAN_REBOOT_RULES: readonly RebootRule[] = [
  { pattern: 'linux-image-*', why: 'a new kernel runs only after a reboot' },
  { pattern: 'linux-signed-image-*', why: 'a new kernel runs only after a reboot' },
  { pattern: 'linux-modules-*', why: 'kernel modules belong to a kernel that runs only after a reboot' },
  { pattern: 'grub*', why: 'the boot loader is used only at the next boot' },
  { pattern: 'shim*', why: 'the boot loader is used only at the next boot' },
  { pattern: 'systemd-boot', why: 'the boot loader is used only at the next boot' },
  { pattern: 'libc6', why: 'the C library stays loaded in every running program until a reboot' },
  { pattern: 'musl', why: 'the C library stays loaded in every running program until a reboot' },
  { pattern: 'systemd', why: 'the service manager (PID 1) keeps running the old version until a reboot' },
  { pattern: 'dbus', why: 'the system message bus cannot be restarted safely without a reboot' },
  { pattern: 'dbus-broker', why: 'the system message bus cannot be restarted safely without a reboot' },
  { pattern: 'intel-microcode', why: 'CPU microcode is loaded at boot' },
  { pattern: 'amd64-microcode', why: 'CPU microcode is loaded at boot' },
  { pattern: 'linux-firmware', why: 'firmware is loaded when the driver starts, at boot' },
];

/** Debian's convention: maintainer scripts touch /run/reboot-required and list themselves in reboot-required.pkgs. */
const FLAG_FILES = ['run/reboot-required', 'var/run/reboot-required'] as const;

/** Forecasting for apt: Debian's rules, dpkg's file lists (info/NAME.list), Debian's reboot flag under the root. */
export class AptRestartForecast implements RestartForecasting {
  constructor(
    private readonly root: string,
    private readonly dpkgDir: string,
  ) {}

  async rebootRules(): Promise<RebootRule[]> {
    return [...DEBIAN_REBOOT_RULES];
  }

  /** What `dpkg -L` prints, read from the same files: info/NAME.list, or info/NAME:ARCH.list for multi-arch packages. */
  async packageFiles(names: readonly string[]): Promise<Map<string, string[]>> {
    const files = new Map<string, string[]>();
    if (names.length === 0) return files;
    const info = join(this.dpkgDir, 'info');
    let lists: string[];
    try {
      lists = (await readdir(info)).filter((entry) => entry.endsWith('.list'));
    } catch {
      return files;
    }
    const wanted = new Set(names);
    for (const list of lists) {
      const name = list.slice(0, -'.list'.length).split(':')[0] as string;
      if (!wanted.has(name)) continue;
      const text = await readFile(join(info, list), 'utf8').catch(() => '');
      const paths = text.split('\n').filter((line) => line.startsWith('/') && line !== '/.');
      files.set(name, [...(files.get(name) ?? []), ...paths]);
    }
    return files;
  }

  async rebootFlag(): Promise<RebootFlag> {
    for (const flag of FLAG_FILES) {
      try {
        await stat(join(this.root, flag));
      } catch {
        continue;
      }
      const listed = await readFile(join(this.root, `${flag}.pkgs`), 'utf8').catch(() => '');
      const packages = [...new Set(listed.split('\n').map((line) => line.trim()))].filter((line) => line.length > 0);
      return { required: true, packages, source: `/${flag}` };
    }
    return { required: false, packages: [], source: '/run/reboot-required' };
  }
}
