import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The packages dnf's `needs-restarting -r` treats as needing a reboot when updated since boot. */
export const REBOOT_PACKAGES = [
  'kernel',
  'kernel-core',
  'kernel-rt',
  'glibc',
  'linux-firmware',
  'systemd',
  'dbus',
  'dbus-broker',
  'dbus-daemon',
  'microcode_ctl',
] as const;

/** Extra names from `ROOT/etc/dnf/plugins/needs-restarting.d/*.conf` (one package per line), as needs-restarting reads them. */
export async function configuredRebootPackages(root: string | null): Promise<string[]> {
  const dir = join(root ?? '/', 'etc/dnf/plugins/needs-restarting.d');
  let entries: string[];
  try {
    entries = (await readdir(dir)).filter((entry) => entry.endsWith('.conf'));
  } catch {
    return [];
  }
  const names: string[] = [];
  for (const entry of entries) {
    const text = await readFile(join(dir, entry), 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      const name = line.replace(/#.*/, '').trim();
      if (name.length > 0) names.push(name);
    }
  }
  return names;
}

/** Seconds since the epoch at which the running kernel booted, from /proc/uptime. */
export async function bootTime(now: number = Date.now()): Promise<number> {
  const uptime = Number.parseFloat((await readFile('/proc/uptime', 'utf8')).split(' ')[0] ?? '0');
  return now / 1000 - uptime;
}

/** needs-restarting -r: a reboot-class package was installed (or updated) after boot. */
export function needsReboot(
  packages: readonly { name: string; installTime: number }[],
  rebootNames: ReadonlySet<string>,
  bootedAt: number,
): boolean {
  return packages.some((pkg) => rebootNames.has(pkg.name) && pkg.installTime > bootedAt);
}
