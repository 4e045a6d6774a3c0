import type { RebootReason, RebootRule } from '../contracts/forecast.js';

/** Files that only take effect at the next boot, whatever the package is called. */
const BOOT_FILE_PREFIXES = ['/boot/', '/lib/modules/', '/usr/lib/modules/', '/efi/', '/boot/efi/'] as const;

/** Whether `name` matches a rule's pattern: the exact name, or the prefix of a pattern ending in `*`. */
export function matchesRule(name: string, rule: RebootRule): boolean {
  return rule.pattern.endsWith('*') ? name.startsWith(rule.pattern.slice(0, -1)) : name === rule.pattern;
}

/** The first rule that names this package, or null. */
export function rebootRuleFor(name: string, rules: readonly RebootRule[]): RebootRule | null {
  return rules.find((rule) => matchesRule(name, rule)) ?? null;
}

/** The first file of a package that is read only at boot (a kernel, its modules, a boot loader), or null. */
export function bootFileOf(files: readonly string[]): string | null {
  return files.find((file) => BOOT_FILE_PREFIXES.some((prefix) => file.startsWith(prefix))) ?? null;
}

/**
 * Why these packages need a reboot: by name (the backend's rules), or because they ship files that
 * are read only at boot. One reason per package, in the given order.
 */
export function rebootReasons(
  packages: readonly { name: string; files?: readonly string[] }[],
  rules: readonly RebootRule[],
): RebootReason[] {
  const reasons: RebootReason[] = [];
  for (const { name, files } of packages) {
    const rule = rebootRuleFor(name, rules);
    if (rule !== null) {
      reasons.push({ package: name, why: rule.why });
      continue;
    }
    const bootFile = files === undefined ? null : bootFileOf(files);
    if (bootFile !== null) reasons.push({ package: name, why: `ships ${bootFile}, which is read only at boot` });
  }
  return reasons;
}

/** The systemd unit directories, as paths inside the root. */
const UNIT_DIRS = ['/lib/systemd/system/', '/usr/lib/systemd/system/', '/etc/systemd/system/'] as const;
const UNIT_FILE = /^[^/]+\.(service|socket|timer|path)$/;

/** The systemd units among a package's files (unit files directly in a system unit directory). */
export function unitsOf(files: readonly string[]): string[] {
  const units = new Set<string>();
  for (const file of files) {
    const dir = UNIT_DIRS.find((prefix) => file.startsWith(prefix));
    if (dir === undefined) continue;
    const unit = file.slice(dir.length);
    if (UNIT_FILE.test(unit)) units.add(unit);
  }
  return [...units];
}
