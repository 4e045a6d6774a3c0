import type { InstalledPackage } from '../contracts/backend.js';
import type { PackageChange } from '../contracts/job.js';
import { byName } from '../name-order.js';

/**
 * What a job did, measured: the installed set before and after, compared package by package with
 * the distro's own version ordering. Never derived from the request.
 */
export function diffInstalled(
  before: readonly InstalledPackage[],
  after: readonly InstalledPackage[],
  compareVersions: (a: string, b: string) => number,
): PackageChange[] {
  const previous = new Map(before.map((pkg) => [pkg.name, pkg.version]));
  const current = new Map(after.map((pkg) => [pkg.name, pkg.version]));
  const changes: PackageChange[] = [];
  for (const [name, to] of current) {
    const from = previous.get(name);
    if (from === undefined) changes.push({ name, action: 'installed', from_version: null, to_version: to });
    else if (from !== to) {
      changes.push({
        name,
        action: compareVersions(to, from) >= 0 ? 'upgraded' : 'downgraded',
        from_version: from,
        to_version: to,
      });
    }
  }
  for (const [name, from] of previous) {
    if (!current.has(name)) changes.push({ name, action: 'removed', from_version: from, to_version: null });
  }
  return changes.sort(byName);
}
