import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LpaError } from '../errors.js';
import type { PackageManifest } from './package-entry.js';
import type { PluginKind } from './plugin-registry.js';

/** The scope and name patterns of automatically loaded plugin packages. */
export const PLUGIN_SCOPE = '@linux-patch-api';
const AUTO_PACKAGE = /^(backend|audit)-[a-z0-9._-]+$/;

/** A plugin package found on disk (not imported yet). */
export interface PluginPackage {
  /** package.json `name`, or the directory name. */
  name: string;
  dir: string;
  manifest: PackageManifest;
  kind: PluginKind | null;
}

/**
 * The node_modules directories Node searches for a bare specifier imported from `fromDir`, nearest
 * first (a `node_modules` path segment gets no nested node_modules, as in Node's own algorithm).
 * From the core this covers the monorepo (workspace symlinks in the root node_modules) and an
 * installed layout (`/usr/lib/linux-patch-api/node_modules/@linux-patch-api/*`).
 */
export function nodeModulesPaths(fromDir: string = dirname(fileURLToPath(import.meta.url))): string[] {
  const paths: string[] = [];
  let dir = fromDir;
  for (;;) {
    if (basename(dir) !== 'node_modules') paths.push(join(dir, 'node_modules'));
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return paths;
}

function readManifest(dir: string): PackageManifest | null {
  const file = join(dir, 'package.json');
  if (!existsSync(file)) return null;
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null) throw new Error('not a JSON object');
    return parsed as PackageManifest;
  } catch (error) {
    throw new LpaError(
      'LPA_ERR_PLUGIN_LOAD',
      `${file} cannot be read: ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
        details: { file },
      },
    );
  }
}

/**
 * The package's declared kind: `"linux-patch-api": {"kind": "backend" | "audit"}`; null when the
 * field is absent (not a plugin package). Any other value is refused.
 */
export function pluginKindOf(manifest: PackageManifest, dir: string): PluginKind | null {
  const field = manifest['linux-patch-api'];
  if (field === undefined) return null;
  const kind = typeof field === 'object' && field !== null ? (field as { kind?: unknown }).kind : undefined;
  if (kind !== 'backend' && kind !== 'audit') {
    throw new LpaError(
      'LPA_ERR_PLUGIN_INVALID',
      `${join(dir, 'package.json')}: "linux-patch-api".kind must be "backend" or "audit", got ${JSON.stringify(kind)}`,
      { details: { dir } },
    );
  }
  return kind;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Reads the package in `dir` (which must have a package.json). */
export function readPluginPackage(dir: string): PluginPackage | null {
  const manifest = readManifest(dir);
  if (manifest === null) return null;
  return {
    name: typeof manifest.name === 'string' ? manifest.name : basename(dir),
    dir,
    manifest,
    kind: pluginKindOf(manifest, dir),
  };
}

/**
 * Every installed `@linux-patch-api/backend-*` and `@linux-patch-api/audit-*` package in the given
 * node_modules directories, sorted by name. A name found in several directories is taken from the
 * first (the one Node would resolve). Packages without the `"linux-patch-api"` field are left out
 * and reported through `onSkipped`.
 */
export function discoverInstalledPlugins(
  dirs: readonly string[] = nodeModulesPaths(),
  onSkipped: (pkg: PluginPackage) => void = () => {},
): PluginPackage[] {
  const found = new Map<string, PluginPackage>();
  for (const nodeModules of dirs) {
    const scope = join(nodeModules, PLUGIN_SCOPE);
    if (!isDirectory(scope)) continue;
    for (const entry of readdirSync(scope).sort()) {
      const name = `${PLUGIN_SCOPE}/${entry}`;
      if (!AUTO_PACKAGE.test(entry) || found.has(name)) continue;
      const pkg = readPluginPackage(join(scope, entry));
      if (pkg === null) continue;
      if (pkg.kind === null) {
        onSkipped(pkg);
        continue;
      }
      found.set(name, pkg);
    }
  }
  return [...found.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * The plugin packages in a configured plugin directory: its subdirectories (and `@scope/*`
 * subdirectories) whose package.json has the `"linux-patch-api"` field, sorted by name.
 */
export function scanPluginDirectory(dir: string, onSkipped: (pkg: PluginPackage) => void = () => {}): PluginPackage[] {
  const packages: PluginPackage[] = [];
  const visit = (parent: string, scoped: boolean) => {
    for (const entry of readdirSync(parent).sort()) {
      const path = join(parent, entry);
      if (!isDirectory(path)) continue;
      if (!scoped && entry.startsWith('@')) {
        visit(path, true);
        continue;
      }
      const pkg = readPluginPackage(path);
      if (pkg === null) continue;
      if (pkg.kind === null) onSkipped(pkg);
      else packages.push(pkg);
    }
  };
  visit(dir, false);
  return packages;
}
