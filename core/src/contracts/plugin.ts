import type { PluginHooks } from '../hooks.js';
import type { AuditSinkDefinition } from './audit.js';
import type { BackendDefinition } from './backend.js';
import type { Logger } from './logger.js';

/** What a plugin's apply() receives: registries and a tap-only view of the hooks. */
export interface PluginHost {
  readonly coreVersion: string;
  readonly apiVersion: string;
  readonly logger: Logger;
  readonly hooks: PluginHooks;
  registerBackend(definition: BackendDefinition): void;
  registerAuditSink(definition: AuditSinkDefinition): void;
}

export interface Plugin<Options = Record<string, unknown>> {
  /** The plugin's package name; also the name of its hook taps. */
  name: string;
  /** The range of PLUGIN_API_VERSION this plugin supports, e.g. `^1.0.0`. */
  apiVersion: string;
  apply(host: PluginHost, options: Options): void | Promise<void>;
}

/** Identity helper that types a plugin's default export. */
export function definePlugin<Options = Record<string, unknown>>(plugin: Plugin<Options>): Plugin<Options> {
  return plugin;
}
