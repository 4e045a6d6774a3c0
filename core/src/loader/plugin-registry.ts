import type { AuditSinkDefinition } from '../contracts/audit.js';
import type { BackendDefinition } from '../contracts/backend.js';
import { LpaError } from '../errors.js';

/** Where a plugin came from, for log lines and error messages. */
export interface PluginOrigin {
  /** `installed` (found in node_modules), `config` (a `plugins:` entry), `directory` (a package in a configured plugin directory), `builtin` (passed in by code). */
  via: 'installed' | 'config' | 'directory' | 'builtin';
  /** The entry file, the config entry, or `builtin`. */
  location: string;
  /** The package's declared kind (package.json `"linux-patch-api": {"kind"}`), when it has one. */
  kind: PluginKind | null;
}

export type PluginKind = 'backend' | 'audit';

export interface LoadedPlugin {
  name: string;
  apiVersion: string;
  origin: PluginOrigin;
}

export interface RegisteredBackend {
  definition: BackendDefinition;
  /** Name of the plugin that registered it. */
  plugin: string;
}

export interface RegisteredAuditSink {
  definition: AuditSinkDefinition;
  plugin: string;
}

/**
 * What the loaded plugins provide, in registration order (which is the order `backend.name: auto`
 * tries backends in). Names are unique: a second backend or sink with a taken name is refused.
 */
export class PluginRegistry {
  readonly #plugins: LoadedPlugin[] = [];
  readonly #backends: RegisteredBackend[] = [];
  readonly #auditSinks: RegisteredAuditSink[] = [];

  get plugins(): readonly LoadedPlugin[] {
    return this.#plugins;
  }

  get backends(): readonly RegisteredBackend[] {
    return this.#backends;
  }

  get auditSinks(): readonly RegisteredAuditSink[] {
    return this.#auditSinks;
  }

  findBackend(name: string): RegisteredBackend | undefined {
    return this.#backends.find((entry) => entry.definition.name === name);
  }

  findAuditSink(name: string): RegisteredAuditSink | undefined {
    return this.#auditSinks.find((entry) => entry.definition.name === name);
  }

  /** Where the already registered plugin came from, when it has the same name (two copies of one plugin). */
  #copies(plugin: string, takenBy: string, from: string | undefined): string {
    if (plugin !== takenBy) return '';
    const earlier = this.#plugins.find((loaded) => loaded.name === takenBy)?.origin.location;
    return ` (two copies of the plugin: ${earlier ?? 'unknown'} and ${from ?? 'unknown'})`;
  }

  /** Throws LPA_ERR_DUPLICATE_BACKEND when `name` is taken. `from` is where `plugin` was loaded from. */
  assertBackendNameFree(name: string, plugin: string, from?: string): void {
    const taken = this.findBackend(name);
    if (taken) {
      throw new LpaError(
        'LPA_ERR_DUPLICATE_BACKEND',
        `plugin ${plugin} registers backend "${name}", which plugin ${taken.plugin} already registered${this.#copies(plugin, taken.plugin, from)}`,
        { details: { backend: name, plugin, registeredBy: taken.plugin } },
      );
    }
  }

  /** Throws LPA_ERR_DUPLICATE_SINK when `name` is taken. */
  assertAuditSinkNameFree(name: string, plugin: string, from?: string): void {
    const taken = this.findAuditSink(name);
    if (taken) {
      throw new LpaError(
        'LPA_ERR_DUPLICATE_SINK',
        `plugin ${plugin} registers audit sink "${name}", which plugin ${taken.plugin} already registered${this.#copies(plugin, taken.plugin, from)}`,
        { details: { sink: name, plugin, registeredBy: taken.plugin } },
      );
    }
  }

  /** Adds one plugin and everything it registered, all at once (see applyPlugin). */
  commit(plugin: LoadedPlugin, backends: readonly BackendDefinition[], auditSinks: readonly AuditSinkDefinition[]): void {
    for (const definition of backends) this.assertBackendNameFree(definition.name, plugin.name);
    for (const definition of auditSinks) this.assertAuditSinkNameFree(definition.name, plugin.name);
    this.#plugins.push(plugin);
    for (const definition of backends) this.#backends.push({ definition, plugin: plugin.name });
    for (const definition of auditSinks) this.#auditSinks.push({ definition, plugin: plugin.name });
  }
}
