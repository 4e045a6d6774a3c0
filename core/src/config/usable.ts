import { constants } from 'node:fs';
import { access, realpath, stat, statfs } from 'node:fs/promises';
import { dirname, sep } from 'node:path';
import type { Logger } from '../contracts/logger.js';
import { LpaError } from '../errors.js';
import { createHooks } from '../hooks.js';
import { loadTlsMaterial, type TlsMaterial } from '../http/tls/material.js';
import { loadPlugins } from '../loader/load-plugins.js';
import type { Settings } from './load.js';
import type { Config } from './schema.js';

/** How long the directory checks may take before the change is refused (ms): they touch file systems that may not answer. */
export const USABILITY_CHECK_TIMEOUT_MS = 5000;

/** Kernel and device trees: files there are not storage, and some never answer a recursive mkdir. */
const PSEUDO_TREES = ['/proc', '/sys', '/dev'];

/** statfs f_type of file systems that hold no files of their own (proc, sysfs, cgroup, debugfs, …). */
const PSEUDO_FILE_SYSTEMS = new Set([
  0x9fa0, // proc
  0x62656572, // sysfs
  0x27e0eb, // cgroup
  0x63677270, // cgroup2
  0x64626720, // debugfs
  0x74726163, // tracefs
  0x73636673, // securityfs
  0x1cd1, // devpts
  0xcafe4a11, // bpf
  0x62656570, // configfs
  0x6165676c, // pstore
  0xde5e81e4, // efivarfs
]);

export interface UsabilityOptions {
  /** Backend names the installed plugins register; null skips the check (no plugins loaded). */
  backendNames?: (() => Promise<readonly string[]>) | null;
  /** Also require the whitelist file to exist (reloads and check-config; the start only warns). */
  requireWhitelistFile?: boolean;
  timeoutMs?: number;
}

function unusable(key: string, reason: string): LpaError {
  return new LpaError('LPA_ERR_CONFIG_INVALID', `${key}: ${reason}`, { details: { key, reason } });
}

function underTree(path: string, tree: string): boolean {
  return path === tree || path.startsWith(`${tree}${sep}`);
}

/** The path itself when it exists, else its nearest existing ancestor (no more steps than the path has). */
async function nearestExisting(path: string): Promise<string> {
  let current = path;
  for (;;) {
    try {
      await stat(current);
      return current;
    } catch (error) {
      const parent = dirname(current);
      const code = (error as NodeJS.ErrnoException).code;
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || parent === current) throw error;
      current = parent;
    }
  }
}

/**
 * A directory the agent can create (if missing) and write: it, or the nearest existing ancestor,
 * is a writable directory on a real file system, outside /proc, /sys and /dev. Nothing is created.
 */
async function assertWritableDirectory(key: string, path: string): Promise<void> {
  for (const tree of PSEUDO_TREES) if (underTree(path, tree)) throw unusable(key, `${path} is inside ${tree}, not storage`);
  let existing: string;
  try {
    existing = await nearestExisting(path);
  } catch (error) {
    throw unusable(key, `${path} cannot be inspected (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const resolved = await realpath(existing);
  for (const tree of PSEUDO_TREES)
    if (underTree(resolved, tree)) throw unusable(key, `${path} resolves to ${resolved}, inside ${tree}, not storage`);
  const info = await stat(resolved);
  if (!info.isDirectory()) {
    throw unusable(
      key,
      existing === path ? `${path} is not a directory` : `${path} cannot be created: ${existing} is not a directory`,
    );
  }
  const fileSystem = await statfs(resolved);
  if (PSEUDO_FILE_SYSTEMS.has(Number(fileSystem.type)))
    throw unusable(key, `${path} is on a kernel pseudo file system (type 0x${Number(fileSystem.type).toString(16)})`);
  try {
    await access(resolved, constants.W_OK | constants.X_OK);
  } catch (error) {
    const what = existing === path ? path : `${existing} (to create ${path})`;
    throw unusable(key, `${what} is not writable (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}

async function checkPaths(config: Config): Promise<void> {
  await assertWritableDirectory('paths.state_dir', config.paths.state_dir);
  await assertWritableDirectory('paths.log_dir', config.paths.log_dir);
}

/**
 * "Valid as a whole" beyond the schema (SPEC §4): the paths are directories the agent can create
 * and write, the TLS files load, the backend is installed, the whitelist file exists, an advisory
 * feed named is a regular file. Returns the
 * TLS material the config names, loaded and validated. The directory checks are bounded: if they
 * have not finished within the timeout, the change is refused.
 */
export async function assertUsable(settings: Settings, options: UsabilityOptions = {}): Promise<TlsMaterial> {
  const { config } = settings;
  let material: TlsMaterial;
  try {
    material = await loadTlsMaterial(config.tls);
  } catch (error) {
    throw unusable('tls', (error as Error).message);
  }
  await assertUsablePaths(config, options.timeoutMs);
  if (options.requireWhitelistFile) {
    try {
      await stat(config.whitelist_file);
    } catch (error) {
      throw unusable('whitelist_file', `${config.whitelist_file} does not exist (${(error as NodeJS.ErrnoException).code})`);
    }
  }
  for (const [key, path] of Object.entries(config.advisories)) {
    if (path === null) continue;
    const info = await stat(path).catch((error: NodeJS.ErrnoException) => error.code ?? 'unreadable');
    if (typeof info === 'string') throw unusable(`advisories.${key}`, `${path} does not exist (${info})`);
    if (!info.isFile()) throw unusable(`advisories.${key}`, `${path} is not a regular file`);
  }
  if (config.backend.name !== 'auto' && options.backendNames) {
    const available = await options.backendNames();
    if (!available.includes(config.backend.name)) {
      throw unusable(
        'backend.name',
        `"${config.backend.name}" is not installed; installed backends: ${available.length > 0 ? available.join(', ') : 'none'}`,
      );
    }
  }
  return material;
}

/** The paths part alone, for the start (where TLS and the backend are checked by starting them). */
export function assertUsablePaths(config: Config, timeoutMs = USABILITY_CHECK_TIMEOUT_MS): Promise<void> {
  return bounded(checkPaths(config), timeoutMs);
}

async function bounded<T>(check: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new LpaError('LPA_ERR_CONFIG_INVALID', `paths: the directory checks did not finish within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([check, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The backend names the plugins a config names (and the installed plugin packages) register. */
export async function installedBackendNames(config: Config, configPath: string, logger: Logger): Promise<string[]> {
  const registry = await loadPlugins(config, logger, createHooks(), { baseDir: dirname(configPath) });
  return registry.backends.map((entry) => entry.definition.name);
}
