import { existsSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Logger } from '../contracts/logger.js';
import type { Plugin } from '../contracts/plugin.js';
import { LpaError } from '../errors.js';
import type { AgentHooks } from '../hooks.js';
import {
  discoverInstalledPlugins,
  nodeModulesPaths,
  type PluginPackage,
  readPluginPackage,
  scanPluginDirectory,
} from './discover.js';
import { resolvePackageEntry } from './package-entry.js';
import { applyPlugin } from './plugin-host.js';
import { type PluginOrigin, PluginRegistry } from './plugin-registry.js';

export interface LoadPluginsOptions {
  /** Load every installed `@linux-patch-api/backend-*` / `audit-*` package (default true). */
  discover?: boolean;
  /** The node_modules directories to search (default: those on the core's own resolution path). */
  nodeModulesDirs?: readonly string[];
  /** Relative `plugins:` paths resolve against this directory (default: the working directory). */
  baseDir?: string;
  /** Plugin objects applied first, before anything is loaded from disk (embedding, tests). */
  plugins?: readonly Plugin[];
}

/** A module to import and apply. */
interface Candidate {
  entry: string;
  origin: PluginOrigin;
}

/** `?` at the end of a `plugins:` entry marks it optional: when it is not installed, start without it. */
const OPTIONAL_SUFFIX = '?';

function isPathEntry(spec: string): boolean {
  return isAbsolute(spec) || spec === '.' || spec === '..' || spec.startsWith('./') || spec.startsWith('../');
}

/** `@scope/name/sub` → [`@scope/name`, `sub`]; `name/sub` → [`name`, `sub`]. */
function splitModuleName(spec: string): [string, string] {
  const parts = spec.split('/');
  const count = spec.startsWith('@') ? 2 : 1;
  return [parts.slice(0, count).join('/'), parts.slice(count).join('/')];
}

function packageCandidate(pkg: PluginPackage, via: PluginOrigin['via']): Candidate {
  const entry = resolvePackageEntry(pkg.dir, pkg.manifest);
  return { entry, origin: { via, location: entry, kind: pkg.kind } };
}

class NotInstalled extends Error {}

/**
 * Loads plugins (SPEC §2): `options.plugins`, then the config's `plugins:` entries in order
 * (module names, files, package directories, or plugin directories holding several packages),
 * then every installed `@linux-patch-api/backend-*` / `audit-*` package, sorted by name. A
 * module loaded twice (the same file by two routes) is applied once.
 *
 * Not installed (an auto-discovered package cannot vanish, so: a `plugins:` entry that names
 * nothing) is logged and skipped when the entry ends with `?`, and refused otherwise since the admin
 * asked for it. Anything installed but broken refuses the start with a coded LpaError:
 * LPA_ERR_PLUGIN_LOAD (throws on import, a dependency missing inside it, apply() throws),
 * LPA_ERR_PLUGIN_INVALID (not a plugin, bad shape), LPA_ERR_PLUGIN_VERSION_MISMATCH,
 * LPA_ERR_DUPLICATE_BACKEND, LPA_ERR_DUPLICATE_SINK.
 */
export async function loadPlugins(
  config: { plugins: readonly string[] },
  logger: Logger,
  hooks: AgentHooks,
  options: LoadPluginsOptions = {},
): Promise<PluginRegistry> {
  const registry = new PluginRegistry();
  const searchDirs = options.nodeModulesDirs ?? nodeModulesPaths();
  const baseDir = options.baseDir ?? process.cwd();
  const applied = new Set<string>();

  for (const plugin of options.plugins ?? []) {
    await applyPlugin(plugin, { registry, hooks, logger, origin: { via: 'builtin', location: 'builtin', kind: null } });
  }

  const apply = async (candidate: Candidate) => {
    if (!existsSync(candidate.entry)) {
      throw new LpaError('LPA_ERR_PLUGIN_LOAD', `plugin entry ${candidate.entry} does not exist (is the package built?)`, {
        details: { entry: candidate.entry },
      });
    }
    const real = realpathSync(candidate.entry);
    if (applied.has(real)) {
      logger.debug({ entry: real }, 'plugin already loaded by another route');
      return;
    }
    applied.add(real);
    let module: { default?: unknown };
    try {
      module = (await import(pathToFileURL(real).href)) as { default?: unknown };
    } catch (error) {
      throw new LpaError(
        'LPA_ERR_PLUGIN_LOAD',
        `plugin ${candidate.entry} is installed but cannot be loaded: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error, details: { entry: candidate.entry } },
      );
    }
    const plugin = await applyPlugin(module.default, { registry, hooks, logger, origin: candidate.origin });
    logger.info({ plugin: plugin.name, apiVersion: plugin.apiVersion, via: candidate.origin.via, entry: real }, 'plugin loaded');
  };

  const onSkipped = (pkg: PluginPackage) =>
    logger.warn(
      { package: pkg.name, dir: pkg.dir },
      'package has no "linux-patch-api" field in its package.json; not a plugin, skipped',
    );

  for (const raw of config.plugins) {
    const optional = raw.endsWith(OPTIONAL_SUFFIX);
    const spec = optional ? raw.slice(0, -OPTIONAL_SUFFIX.length) : raw;
    try {
      for (const candidate of configCandidates(spec, baseDir, searchDirs, onSkipped)) await apply(candidate);
    } catch (error) {
      if (!(error instanceof NotInstalled)) throw error;
      if (!optional) {
        throw new LpaError('LPA_ERR_PLUGIN_LOAD', `plugin "${spec}" from the config is not installed: ${error.message}`, {
          details: { entry: raw },
        });
      }
      logger.warn({ entry: raw, reason: error.message }, 'optional plugin is not installed; continuing without it');
    }
  }

  if (options.discover ?? true) {
    for (const pkg of discoverInstalledPlugins(searchDirs, onSkipped)) await apply(packageCandidate(pkg, 'installed'));
  }

  logger.info(
    {
      plugins: registry.plugins.map((plugin) => plugin.name),
      backends: registry.backends.map((entry) => entry.definition.name),
      auditSinks: registry.auditSinks.map((entry) => entry.definition.name),
    },
    'plugins ready',
  );
  return registry;
}

function configCandidates(
  spec: string,
  baseDir: string,
  searchDirs: readonly string[],
  onSkipped: (pkg: PluginPackage) => void,
): Candidate[] {
  if (spec.startsWith('file:')) return configCandidates(fileURLToPath(spec), baseDir, searchDirs, onSkipped);
  if (isPathEntry(spec)) {
    const path = resolve(baseDir, spec);
    let stats: ReturnType<typeof statSync>;
    try {
      stats = statSync(path);
    } catch {
      throw new NotInstalled(`${path} does not exist`);
    }
    if (!stats.isDirectory()) return [{ entry: path, origin: { via: 'config', location: path, kind: null } }];
    const pkg = readPluginPackage(path);
    if (pkg !== null) return [packageCandidate(pkg, 'config')];
    return scanPluginDirectory(path, onSkipped).map((found) => packageCandidate(found, 'directory'));
  }

  const [packageName, subpath] = splitModuleName(spec);
  const dir = searchDirs
    .map((nodeModules) => join(nodeModules, packageName))
    .find((candidate) => existsSync(join(candidate, 'package.json')));
  if (dir === undefined) throw new NotInstalled(`no package ${packageName} in ${searchDirs.join(', ')}`);
  const pkg = readPluginPackage(dir) as PluginPackage;
  if (subpath === '') return [packageCandidate(pkg, 'config')];
  let entry: string;
  try {
    entry = fileURLToPath(import.meta.resolve(spec));
  } catch (error) {
    throw new LpaError(
      'LPA_ERR_PLUGIN_LOAD',
      `plugin "${spec}" cannot be resolved: ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
      },
    );
  }
  return [{ entry, origin: { via: 'config', location: entry, kind: pkg.kind } }];
}
