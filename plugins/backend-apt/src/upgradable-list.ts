import type { Upgrade } from '@linux-patch-api/core';
import { classifySecurity } from './security-origin.js';

// name/suite1,suite2 new-version arch [upgradable from: old-version]
const LINE = /^([^/\s]+)\/(\S*) (\S+) (\S+) \[upgradable from: ([^\]\s]+)\]/;

/**
 * Parses `apt list --upgradable`: every installed package whose candidate version is newer, with
 * the suites that candidate comes from (the security classification reads them). Unlike a
 * simulated dist-upgrade this needs no dependency resolution, so it costs what apt's own listing
 * costs, and it also lists upgrades apt would hold back.
 */
export function parseUpgradableList(output: string): Upgrade[] {
  const upgrades: Upgrade[] = [];
  for (const line of output.split('\n')) {
    const match = LINE.exec(line.trim());
    if (!match) continue;
    const [, name, suites, available, architecture, current] = match;
    const named = (suites ?? '')
      .split(',')
      // `unknown`: the repository's Release names no suite; `now`: only the installed version.
      .filter((suite) => suite.length > 0 && suite !== 'now' && suite !== 'unknown');
    upgrades.push({
      name: name!,
      current_version: current!,
      available_version: available!,
      architecture: architecture ?? null,
      security: classifySecurity(named),
      severity: null,
      advisories: [],
      repository: named.join(', ') || null,
    });
  }
  return upgrades;
}
