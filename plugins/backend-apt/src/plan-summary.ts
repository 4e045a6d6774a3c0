import type { ChangeAction, PlannedChange } from '@linux-patch-api/core';
import { LpaError } from '@linux-patch-api/core';

const SECTIONS: ReadonlyMap<string, ChangeAction> = new Map([
  ['The following NEW packages will be installed:', 'installed'],
  ['The following packages will be upgraded:', 'upgraded'],
  ['The following packages will be DOWNGRADED:', 'downgraded'],
  ['The following packages will be REMOVED:', 'removed'],
]);

// `   name (version)` or `   name (old => new)`; a trailing `*` marks a purge.
const ENTRY = /^\s+(\S+?)\*? \(([^()\s]+)(?: => ([^()\s]+))?\)$/;
const COUNTS = /^(\d+) upgraded, (\d+) newly installed, (?:(\d+) downgraded, )?(\d+) to remove/m;

/**
 * Reads the change summary apt-get prints (with `-V`, one package per line) before it would
 * download anything — what `apt-get --print-uris -V` shows without simulating the whole dpkg run.
 * The parsed entries are checked against apt's own counts line, so a format apt changed fails
 * loudly instead of planning nothing.
 */
export function parsePlanSummary(output: string): PlannedChange[] {
  const changes: PlannedChange[] = [];
  let section: ChangeAction | null = null;
  for (const line of output.split('\n')) {
    if (!/^\s/.test(line)) {
      section = SECTIONS.get(line.trim()) ?? null;
      continue;
    }
    if (section === null) continue;
    const match = ENTRY.exec(line);
    if (!match) continue;
    const [, name, first, second] = match;
    if (section === 'installed') changes.push({ name: name!, action: section, from_version: null, to_version: first! });
    else if (section === 'removed') changes.push({ name: name!, action: section, from_version: first!, to_version: null });
    else changes.push({ name: name!, action: section, from_version: first!, to_version: second ?? null });
  }
  const counts = COUNTS.exec(output);
  if (!counts) {
    throw new LpaError('LPA_ERR_BACKEND', 'apt-get printed no change summary', {
      details: { output: output.split('\n').slice(-10) },
    });
  }
  const count = (action: ChangeAction) => changes.filter((change) => change.action === action).length;
  const [, upgraded, installed, downgraded, removed] = counts;
  if (
    count('upgraded') !== Number(upgraded) ||
    count('installed') !== Number(installed) ||
    count('downgraded') !== Number(downgraded ?? 0) ||
    count('removed') !== Number(removed)
  ) {
    throw new LpaError('LPA_ERR_BACKEND', 'apt-get change summary does not match its counts', {
      details: { counts: counts[0], parsed: changes.length },
    });
  }
  return changes;
}
