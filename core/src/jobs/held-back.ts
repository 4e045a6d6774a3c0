import type { PackageManagerBackend, UpgradeSelection } from '../contracts/backend.js';
import type { HeldBackPackage } from '../contracts/job.js';

/** An upgrade selection with the updates the package manager would not apply taken out (SPEC §12.4). */
export interface NarrowedSelection {
  /** What the backend is asked to apply; `names: []` means nothing is left to apply. */
  selection: UpgradeSelection;
  /** The targeted updates kept back, with the backend's reason. */
  heldBack: HeldBackPackage[];
}

/**
 * Splits an upgrade selection into what is applied and what is kept back. A named package whose
 * update is held back is never passed on: apt would fail the whole run on a dpkg hold, pacman
 * would install an IgnorePkg package named on the command line, and apt would apply a phased
 * update named explicitly. A selection of everything stays everything: each package manager keeps
 * its own holds back then, and the held updates are reported.
 */
export async function narrowSelection(
  backend: PackageManagerBackend,
  selection: UpgradeSelection,
  signal?: AbortSignal,
): Promise<NarrowedSelection> {
  const upgrades = await backend.listUpgrades(signal);
  const targeted = selection.names === null ? null : new Set(selection.names);
  const heldBack: HeldBackPackage[] = [];
  for (const upgrade of upgrades) {
    if (upgrade.held_back === undefined || upgrade.held_back === null) continue;
    if (targeted !== null ? !targeted.has(upgrade.name) : selection.securityOnly && upgrade.security !== true) continue;
    heldBack.push({ name: upgrade.name, reason: upgrade.held_back.reason, detail: upgrade.held_back.detail });
  }
  if (selection.names === null) return { selection, heldBack };
  const held = new Set(heldBack.map((entry) => entry.name));
  return { selection: { ...selection, names: selection.names.filter((name) => !held.has(name)) }, heldBack };
}
