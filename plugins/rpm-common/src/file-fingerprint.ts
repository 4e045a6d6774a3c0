import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Name, size, mtime and inode of every file under the given paths (down to `depth` levels), as
 * one string: equal strings mean nothing there was written. Missing paths count as `-`.
 */
export async function treeFingerprint(paths: readonly string[], depth: number, ignore?: RegExp): Promise<string> {
  const parts: string[] = [];
  const visit = async (path: string, level: number): Promise<void> => {
    const info = await stat(path).catch(() => null);
    if (info === null) {
      parts.push(`${path}:-`);
      return;
    }
    if (!info.isDirectory()) {
      parts.push(`${path}:${info.size}:${info.mtimeMs}:${info.ino}`);
      return;
    }
    if (level >= depth) return;
    const entries = (await readdir(path).catch(() => [] as string[])).filter((entry) => !ignore?.test(entry)).sort();
    for (const entry of entries) await visit(join(path, entry), level + 1);
  };
  for (const path of paths) await visit(path, 0);
  return parts.join('|');
}
