import type { InstalledPackage, Upgrade } from '@linux-patch-api/core';
import type { PolicyEntry } from './apt-policy.js';

const KEPT_BACK = 'The following packages have been kept back:';

/**
 * The names under "The following packages have been kept back:" in apt-get's summary, one per
 * line with `-V` (`   name (1.0-1 => 1.1-1)`) or several per line without.
 */
export function parseKeptBack(output: string): Set<string> {
  const names = new Set<string>();
  let inSection = false;
  for (const line of output.split('\n')) {
    if (!/^\s/.test(line)) {
      inSection = line.trim() === KEPT_BACK;
      continue;
    }
    if (!inSection) continue;
    const verbose = /^\s+(\S+) \(/.exec(line);
    if (verbose) names.add(verbose[1]!);
    else for (const name of line.trim().split(/\s+/)) if (name !== '') names.add(name);
  }
  return names;
}

export interface AptHoldFacts {
  /** `apt list --upgradable`: every installed package whose candidate is newer. */
  upgradable: readonly Upgrade[];
  /** dpkg selections set to hold. */
  holds: ReadonlySet<string>;
  /** What a simulated `apt-get dist-upgrade` keeps back. */
  keptBack: ReadonlySet<string>;
  /** `apt-cache policy` of the kept-back packages, and of every installed one when preferences exist. */
  policy: ReadonlyMap<string, PolicyEntry>;
  installed: readonly InstalledPackage[];
  compare(a: string, b: string): number;
}

/**
 * Every update apt knows of, with `held_back` set where apt would not apply it (SPEC §12.4):
 * - `held`: a dpkg hold (apt keeps it back; naming it fails the whole run);
 * - `phased`: the candidate has a `Phased-Update-Percentage` and apt defers it on this machine;
 * - `dependency`: apt keeps it back for another reason (its new dependencies cannot be resolved);
 * - `pinned`: apt preferences make an older version the candidate, so `apt list --upgradable`
 *   does not list it at all; the entry offers the newest version the indexes have.
 */
export function markHeldBack(facts: AptHoldFacts): Upgrade[] {
  const listed = facts.upgradable.map((upgrade): Upgrade => {
    if (facts.holds.has(upgrade.name)) {
      return { ...upgrade, held_back: { reason: 'held', detail: `dpkg selection of ${upgrade.name} is hold` } };
    }
    if (!facts.keptBack.has(upgrade.name)) return { ...upgrade, held_back: null };
    const candidate = facts.policy.get(upgrade.name)?.versions.find((v) => v.version === upgrade.available_version);
    if (candidate?.phasedPercent != null) {
      return {
        ...upgrade,
        held_back: {
          reason: 'phased',
          detail: `Phased-Update-Percentage: ${candidate.phasedPercent}; apt defers ${upgrade.available_version} on this machine`,
        },
      };
    }
    return {
      ...upgrade,
      held_back: { reason: 'dependency', detail: 'apt-get dist-upgrade keeps it back: its dependencies cannot be satisfied' },
    };
  });
  const seen = new Set(listed.map((upgrade) => upgrade.name));
  const pinned: Upgrade[] = [];
  for (const pkg of facts.installed) {
    if (pkg.status !== 'installed' || seen.has(pkg.name)) continue;
    const entry = facts.policy.get(pkg.name);
    if (entry === undefined || entry.installed === null) continue;
    const newest = entry.versions.reduce<PolicyEntry['versions'][number] | null>(
      (best, v) => (best === null || facts.compare(v.version, best.version) > 0 ? v : best),
      null,
    );
    if (newest === null || facts.compare(newest.version, entry.installed) <= 0) continue;
    const chosen = entry.versions.find((v) => v.version === entry.candidate);
    seen.add(pkg.name);
    pinned.push({
      name: pkg.name,
      current_version: entry.installed,
      available_version: newest.version,
      architecture: pkg.architecture,
      security: null,
      severity: null,
      advisories: [],
      repository: null,
      held_back: {
        reason: 'pinned',
        detail: `apt preferences: candidate ${entry.candidate ?? '(none)'} has priority ${chosen?.priority ?? 'unknown'}, ${newest.version} has ${newest.priority}`,
      },
    });
  }
  return [...listed, ...pinned];
}
