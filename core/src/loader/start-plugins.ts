import { dirname } from 'node:path';
import type { AdvisoryFeeds, PackageManagerBackend } from '../contracts/backend.js';
import type { CommandRunner } from '../contracts/command-runner.js';
import type { Logger } from '../contracts/logger.js';
import type { OsRelease } from '../contracts/os-release.js';
import type { Plugin } from '../contracts/plugin.js';
import { isLpaError, LpaError } from '../errors.js';
import type { AgentHooks } from '../hooks.js';
import { loadPlugins } from './load-plugins.js';
import type { PluginRegistry } from './plugin-registry.js';
import { assertBackendInstance } from './plugin-shape.js';
import { readBackendOsRelease, type SelectedBackend, selectBackend } from './select-backend.js';

export interface StartPluginsInput {
  config: { plugins: readonly string[]; backend: { name: string; root: string | null }; paths: { state_dir: string } };
  /** The config file: relative `plugins:` entries resolve against its directory. */
  configPath: string;
  logger: Logger;
  hooks: AgentHooks;
  runner: CommandRunner;
  /** Plugin objects applied before anything is loaded from disk (tests, embedding). */
  plugins?: readonly Plugin[];
  /** Load installed `@linux-patch-api/*` plugin packages (default true). */
  discover?: boolean;
  /** The advisory feeds of the config in force (a reload may change them). */
  advisoryFeeds?: () => Readonly<AdvisoryFeeds>;
}

export interface StartedPlugins {
  registry: PluginRegistry;
  osRelease: OsRelease;
  selected: SelectedBackend;
  backend: PackageManagerBackend;
}

/**
 * The agent's plugin start in one call: load plugins, read os-release (of `backend.root` when set),
 * select the backend and create it. Any failure is a coded LpaError that refuses the start.
 */
export async function startPlugins(input: StartPluginsInput): Promise<StartedPlugins> {
  const { config, logger } = input;
  const registry = await loadPlugins(config, logger, input.hooks, {
    baseDir: dirname(input.configPath),
    ...(input.plugins === undefined ? {} : { plugins: input.plugins }),
    ...(input.discover === undefined ? {} : { discover: input.discover }),
  });
  const osRelease = await readBackendOsRelease(config);
  const selected = selectBackend(registry, config, osRelease);
  let backend: PackageManagerBackend;
  try {
    backend = await selected.definition.create({
      root: config.backend.root,
      runner: input.runner,
      logger: logger.child({ backend: selected.definition.name }),
      stateDir: config.paths.state_dir,
      options: config.backend,
      advisoryFeeds:
        input.advisoryFeeds ?? (() => ({ debian_tracker_json: null, alpine_secdb_json: null, arch_audit_json: null })),
    });
  } catch (error) {
    if (isLpaError(error)) throw error;
    throw new LpaError(
      'LPA_ERR_BACKEND',
      `backend "${selected.definition.name}" (plugin ${selected.plugin}) could not be created: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error, details: { backend: selected.definition.name, plugin: selected.plugin } },
    );
  }
  assertBackendInstance(backend, selected.definition.name, selected.plugin);
  logger.info(
    {
      backend: selected.definition.name,
      plugin: selected.plugin,
      matchedBy: selected.matchedBy,
      os: osRelease.id,
      root: config.backend.root,
    },
    'backend selected',
  );
  return { registry, osRelease, selected, backend };
}
