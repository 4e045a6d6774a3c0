import type { z } from 'zod';
import type { PackageDetails, PackageManagerBackend } from '../../contracts/backend.js';
import { byName } from '../../name-order.js';
import { SerialisedData } from '../envelope.js';
import type { packageListQuery, packageListSchema } from '../schemas/package.js';
import { fromBackend } from './services-required.js';

type PackageListQuery = z.infer<typeof packageListQuery>;
type PackageList = z.infer<typeof packageListSchema>;

/** A `name` filter with * ? or [...] is a glob over the whole name; otherwise a substring. */
export function nameMatcher(pattern: string): (name: string) => boolean {
  if (!/[*?[]/.test(pattern)) return (name) => name.includes(pattern);
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] as string;
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else if (char === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end === -1) {
        source += '\\[';
        continue;
      }
      const body = pattern.slice(i + 1, end).replace(/\\/g, '\\\\');
      source += `[${body.startsWith('!') ? `^${body.slice(1)}` : body}]`;
      i = end;
    } else source += char.replace(/[.+^${}()|\\/-]/g, '\\$&');
  }
  const regex = new RegExp(`^${source}$`);
  return (name) => regex.test(name);
}

/** Distinct filters kept per generation (each at most the whole list, about 200 kB on 900 packages); more are answered without being kept. */
const MAX_KEPT_ANSWERS = 8;

/** The installed set with each package's upgrade, sorted by name: what every GET /packages filters. */
async function readInventory(backend: PackageManagerBackend): Promise<PackageDetails[]> {
  const [installed, upgrades] = await fromBackend(() => Promise.all([backend.listInstalled(), backend.listUpgrades()]));
  const available = new Map(upgrades.map((upgrade) => [upgrade.name, upgrade.available_version]));
  return installed
    .map((pkg) => ({ ...pkg, upgradable: available.has(pkg.name), available_version: available.get(pkg.name) ?? null }))
    .sort(byName);
}

function filterInventory(inventory: readonly PackageDetails[], query: PackageListQuery): PackageList {
  const matchesName = query.name === undefined ? () => true : nameMatcher(query.name);
  const packages = inventory.filter(
    (pkg) =>
      matchesName(pkg.name) &&
      (query.version === undefined || pkg.version === query.version) &&
      (query.status === undefined || pkg.status === query.status) &&
      (query.upgradable === undefined || pkg.upgradable === query.upgradable),
  );
  const offset = query.offset ?? 0;
  return {
    packages: packages.slice(offset, query.limit === undefined ? undefined : offset + query.limit),
    total: packages.length,
  };
}

/**
 * GET /packages answers. A backend that states its inventory generation (a value that changes
 * whenever listInstalled() or listUpgrades() could answer differently, e.g. the identities of the
 * package database and of the upgrade list's inputs) has its merged, sorted inventory and each
 * filter's serialised answer kept until the generation moves; the generation is read before the
 * lists, so a change while they are read only leaves an entry that no later request can match.
 * Without a generation every request reads the backend again.
 */
export class PackageListAnswers {
  private kept: {
    backend: PackageManagerBackend;
    generation: string;
    inventory: Promise<PackageDetails[]>;
    answers: Map<string, SerialisedData>;
  } | null = null;

  async answer(backend: PackageManagerBackend, query: PackageListQuery): Promise<PackageList | SerialisedData> {
    const generation = backend.inventoryGeneration?.();
    if (generation === undefined) return filterInventory(await readInventory(backend), query);
    let kept = this.kept;
    if (kept === null || kept.backend !== backend || kept.generation !== generation) {
      const inventory = readInventory(backend);
      kept = { backend, generation, inventory, answers: new Map() };
      this.kept = kept;
      const current = kept;
      inventory.catch(() => {
        if (this.kept === current) this.kept = null;
      });
    }
    const key = JSON.stringify([query.name, query.version, query.status, query.upgradable, query.offset, query.limit]);
    const answered = kept.answers.get(key);
    if (answered !== undefined) return answered;
    const answer = new SerialisedData(filterInventory(await kept.inventory, query));
    if (kept.answers.size < MAX_KEPT_ANSWERS) kept.answers.set(key, answer);
    return answer;
  }
}
