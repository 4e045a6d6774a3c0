import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Name, size, mtime and inode of every file under the given paths (down to `depth` levels), as
 * one string: equal strings mean nothing there was written. Missing paths count as `-`.
 * Synchronous on purpose: it stats a few dozen files on every read request, and one thread-pool
 * round trip per file costs more than the stats themselves.
 */
export function treeFingerprint(paths: readonly string[], depth: number, ignore?: RegExp): string {
  const parts: string[] = [];
  const visit = (path: string, level: number): void => {
    const info = statSync(path, { throwIfNoEntry: false });
    if (info === undefined) {
      parts.push(`${path}:-`);
      return;
    }
    if (!info.isDirectory()) {
      parts.push(`${path}:${info.size}:${info.mtimeMs}:${info.ino}`);
      return;
    }
    if (level >= depth) return;
    let entries: string[];
    try {
      entries = readdirSync(path);
    } catch {
      entries = [];
    }
    for (const entry of entries.filter((name) => !ignore?.test(name)).sort()) visit(join(path, entry), level + 1);
  };
  for (const path of paths) {
    try {
      visit(path, 0);
    } catch {
      parts.push(`${path}:?`);
    }
  }
  return parts.join('|');
}
