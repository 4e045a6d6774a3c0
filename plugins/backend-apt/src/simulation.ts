import type { ChangeAction, PlannedChange } from '@linux-patch-api/core';
import { compareDebianVersions } from './debian-version.js';
import { parseReleaseOrigins, type ReleaseOrigin } from './security-origin.js';

/** One `Inst` or `Remv` line of `apt-get -s` output. */
export interface SimulatedAction {
  kind: 'install' | 'remove';
  name: string;
  /** The installed version apt replaces or removes (`[old]`), null for a new package. */
  currentVersion: string | null;
  /** The version apt would install, null for a removal. */
  newVersion: string | null;
  architecture: string | null;
  origins: ReleaseOrigin[];
}

// Inst name [old] (new Label:Suite, Label2:Suite2 [arch]) [broken…]
const INST = /^Inst (\S+)(?: \[([^\]]+)\])? \((\S+)((?: [^[\]()]*?)?)(?: \[([^\]]+)\])?\)/;
// Remv name [old] [broken…]
const REMV = /^Remv (\S+)(?: \[([^\]]+)\])?/;

export function parseSimulation(output: string): SimulatedAction[] {
  const actions: SimulatedAction[] = [];
  for (const line of output.split('\n')) {
    const inst = INST.exec(line);
    if (inst) {
      const [, name, old, version, release, arch] = inst;
      actions.push({
        kind: 'install',
        name: name!,
        currentVersion: old ?? null,
        newVersion: version!,
        architecture: arch ?? null,
        origins: parseReleaseOrigins(release ?? ''),
      });
      continue;
    }
    const remv = REMV.exec(line);
    if (remv) {
      const [, name, old] = remv;
      actions.push({
        kind: 'remove',
        name: name!,
        currentVersion: old ?? null,
        newVersion: null,
        architecture: null,
        origins: [],
      });
    }
  }
  return actions;
}

export function toPlannedChanges(actions: readonly SimulatedAction[]): PlannedChange[] {
  return actions.map((action) => {
    let kind: ChangeAction;
    if (action.kind === 'remove') kind = 'removed';
    else if (action.currentVersion === null) kind = 'installed';
    else kind = compareDebianVersions(action.newVersion ?? '', action.currentVersion) < 0 ? 'downgraded' : 'upgraded';
    return { name: action.name, action: kind, from_version: action.currentVersion, to_version: action.newVersion };
  });
}
