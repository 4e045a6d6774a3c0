import type { BackendDefinition } from '../contracts/backend.js';
import type { OsRelease } from '../contracts/os-release.js';
import { LpaError } from '../errors.js';
import { readOsRelease } from '../system/os-release.js';
import type { PluginRegistry } from './plugin-registry.js';

export interface SelectedBackend {
  definition: BackendDefinition;
  /** The plugin that registered it. */
  plugin: string;
  /**
   * How it was chosen: named in the config, claimed by the host itself (claimsHost, e.g. an
   * OSTree-booted system), by os-release ID, by an ID_LIKE entry, or by its own detect() on the whole file.
   */
  matchedBy: 'name' | 'host' | 'id' | 'id_like' | 'detect';
}

function detects(definition: BackendDefinition, plugin: string, osRelease: OsRelease): boolean {
  try {
    return definition.detect(osRelease) === true;
  } catch (error) {
    throw new LpaError(
      'LPA_ERR_PLUGIN_LOAD',
      `backend "${definition.name}" (plugin ${plugin}) failed in detect(): ${error instanceof Error ? error.message : String(error)}`,
      { cause: error, details: { backend: definition.name, plugin } },
    );
  }
}

function claims(definition: BackendDefinition, plugin: string, root: string | null): boolean {
  if (definition.claimsHost === undefined) return false;
  try {
    return definition.claimsHost(root) === true;
  } catch (error) {
    throw new LpaError(
      'LPA_ERR_PLUGIN_LOAD',
      `backend "${definition.name}" (plugin ${plugin}) failed in claimsHost(): ${error instanceof Error ? error.message : String(error)}`,
      { cause: error, details: { backend: definition.name, plugin } },
    );
  }
}

/**
 * Chooses the backend (SPEC §2). `backend.name` other than `auto` selects that backend or refuses
 * the start listing the available ones. `auto` asks each registered backend, in registration order,
 * whether it fits: first whether the host claims it (claimsHost, e.g. `/run/ostree-booted`, under
 * `backend.root` when set), then one candidate os-release ID at a time: first os-release `ID` alone, then each `ID_LIKE`
 * entry in the file's order (detect() sees it as `id`, with an empty `idLike`), finally the whole
 * file. So on Rocky Linux (`ID=rocky`, `ID_LIKE="rhel centos fedora"`) a backend that knows
 * `rocky` wins over one that only knows `fedora`, whatever their order.
 */
export function selectBackend(
  registry: PluginRegistry,
  config: { backend: { name: string; root?: string | null } },
  osRelease: OsRelease,
): SelectedBackend {
  const available = registry.backends.map((entry) => entry.definition.name);
  const wanted = config.backend.name;
  if (wanted !== 'auto') {
    const entry = registry.findBackend(wanted);
    if (!entry) {
      throw new LpaError(
        'LPA_ERR_NO_BACKEND',
        `backend.name is "${wanted}", but no plugin registers it; available backends: ${available.length > 0 ? available.join(', ') : 'none'}`,
        { details: { wanted, available } },
      );
    }
    return { definition: entry.definition, plugin: entry.plugin, matchedBy: 'name' };
  }

  // A host that says what it is (an OSTree-booted system) wins over the distribution's package manager.
  for (const entry of registry.backends) {
    if (claims(entry.definition, entry.plugin, config.backend.root ?? null))
      return { definition: entry.definition, plugin: entry.plugin, matchedBy: 'host' };
  }
  const rounds: Array<[SelectedBackend['matchedBy'], OsRelease]> = [
    ['id', { ...osRelease, idLike: [] }],
    ...osRelease.idLike.map((like): [SelectedBackend['matchedBy'], OsRelease] => [
      'id_like',
      { ...osRelease, id: like, idLike: [] },
    ]),
    ['detect', osRelease],
  ];
  for (const [matchedBy, view] of rounds) {
    for (const entry of registry.backends) {
      if (detects(entry.definition, entry.plugin, view)) return { definition: entry.definition, plugin: entry.plugin, matchedBy };
    }
  }
  const like = osRelease.idLike.length > 0 ? ` (ID_LIKE ${osRelease.idLike.join(' ')})` : '';
  throw new LpaError(
    'LPA_ERR_NO_BACKEND',
    `no backend fits this system: os-release ID ${osRelease.id}${like}; available backends: ${available.length > 0 ? available.join(', ') : 'none'}; install the backend for this distribution or set backend.name`,
    { details: { id: osRelease.id, idLike: osRelease.idLike, available } },
  );
}

/**
 * The os-release detection reads: the one inside `backend.root` when a root is set (the backend
 * manages that file system, whatever the host runs), the host's otherwise.
 */
export function readBackendOsRelease(config: { backend: { root: string | null } }): Promise<OsRelease> {
  return readOsRelease(config.backend.root);
}
