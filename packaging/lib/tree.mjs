// Walks a staging tree in a stable order, for file lists, sizes and checksums.
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Every entry below root as { path (relative, no leading slash), stat }, parents before children. */
export function walkTree(root, relative = '') {
  const entries = [];
  for (const name of readdirSync(join(root, relative)).sort()) {
    const path = relative ? `${relative}/${name}` : name;
    const stat = lstatSync(join(root, path));
    entries.push({ path, stat });
    if (stat.isDirectory()) entries.push(...walkTree(root, path));
  }
  return entries;
}

/** Sum of regular file sizes in bytes. */
export function installedSize(root) {
  return walkTree(root)
    .filter((entry) => entry.stat.isFile())
    .reduce((sum, entry) => sum + entry.stat.size, 0);
}
