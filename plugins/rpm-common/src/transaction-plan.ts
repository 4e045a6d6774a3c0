import type { ChangeAction, PlannedChange } from '@linux-patch-api/core';

/** Which change a transaction-table section announces (dnf 4 and yum 3 headings). */
function sectionAction(heading: string): ChangeAction | 'skip' | null {
  if (!heading.endsWith(':')) return null;
  if (/^(Installing|Reinstalling)\b/.test(heading)) return heading.startsWith('Reinstalling') ? 'skip' : 'installed';
  if (/^(Upgrading|Updating)\b/.test(heading)) return 'upgraded';
  if (/^Downgrading\b/.test(heading)) return 'downgraded';
  if (/^(Removing|Erasing)\b/.test(heading)) return 'removed';
  if (/^(Obsoleting|Enabling|Disabling|Resetting|Switching)\b/.test(heading)) return 'skip';
  return null;
}

/**
 * Reads the transaction table dnf and yum print before asking for confirmation (run with
 * `--assumeno`): `Package  Arch  Version  Repository  Size` rows under section headings. A long
 * package name is wrapped onto its own line by both tools; such rows are joined. from_version
 * comes from the installed set, since the table shows only the new version.
 */
export function parseTransactionPlan(output: string, installed: ReadonlyMap<string, string>): PlannedChange[] {
  const changes: PlannedChange[] = [];
  let action: ChangeAction | 'skip' | null = null;
  let pending: string | null = null;
  for (const line of output.split('\n')) {
    const trimmed = line.trim();
    if (trimmed.length === 0 || /^=+$/.test(trimmed) || trimmed.startsWith('Transaction Summary')) {
      action = trimmed.startsWith('Transaction Summary') ? null : action;
      pending = null;
      continue;
    }
    if (!/^\s/.test(line)) {
      action = sectionAction(trimmed);
      pending = null;
      continue;
    }
    if (action === null || action === 'skip') continue;
    const tokens = trimmed.split(/\s+/);
    if (tokens[0] === 'replacing') continue;
    if (tokens.length === 1 && pending === null) {
      pending = tokens[0] ?? null;
      continue;
    }
    const row = pending === null ? tokens : [pending, ...tokens];
    pending = null;
    const [name, , evr] = row;
    if (name === undefined || evr === undefined) continue;
    const version = evr.startsWith('0:') ? evr.slice(2) : evr;
    const current = installed.get(name) ?? null;
    changes.push(
      action === 'removed'
        ? // The table names the installed version being removed (several may be installed, e.g. kernels).
          { name, action, from_version: version, to_version: null }
        : { name, action, from_version: action === 'installed' ? null : current, to_version: version },
    );
  }
  return changes;
}
