import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Conditions Node resolves `import` with, plus any given with --conditions / -C. */
function activeConditions(): Set<string> {
  const conditions = new Set(['node', 'import', 'default']);
  const args = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean)];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const inline = /^(?:--conditions|-C)=(.+)$/.exec(arg);
    if (inline?.[1]) conditions.add(inline[1]);
    else if ((arg === '--conditions' || arg === '-C') && args[i + 1]) conditions.add(args[i + 1] as string);
  }
  return conditions;
}

function resolveTarget(target: unknown, conditions: Set<string>): string | null {
  if (typeof target === 'string') return target;
  if (Array.isArray(target)) {
    for (const item of target) {
      const resolved = resolveTarget(item, conditions);
      if (resolved !== null) return resolved;
    }
    return null;
  }
  if (typeof target === 'object' && target !== null) {
    for (const [condition, value] of Object.entries(target)) {
      if (!conditions.has(condition)) continue;
      const resolved = resolveTarget(value, conditions);
      if (resolved !== null) return resolved;
    }
  }
  return null;
}

export interface PackageManifest {
  name?: unknown;
  version?: unknown;
  main?: unknown;
  exports?: unknown;
  'linux-patch-api'?: unknown;
}

/**
 * The file `import` would load for the package in `dir`: its `exports` root entry under the
 * conditions in force (so `--conditions=lpa-source` picks TypeScript sources, as Node itself
 * would), else `main`, else `index.js`. Used for packages that are not resolvable by name from the
 * core (a configured plugin directory, scanned node_modules).
 */
export function resolvePackageEntry(dir: string, manifest: PackageManifest): string {
  let target: string | null = null;
  const exportsField = manifest.exports;
  if (exportsField !== undefined) {
    const root =
      typeof exportsField === 'object' &&
      exportsField !== null &&
      !Array.isArray(exportsField) &&
      Object.keys(exportsField).some((key) => key.startsWith('.'))
        ? (exportsField as Record<string, unknown>)['.']
        : exportsField;
    target = resolveTarget(root, activeConditions());
  }
  if (target === null && typeof manifest.main === 'string') target = manifest.main;
  if (target !== null) return join(dir, target);
  return existsSync(join(dir, 'index.js')) ? join(dir, 'index.js') : join(dir, 'index.mjs');
}
