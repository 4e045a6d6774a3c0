import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** apk's package cache inside a root (a symlink to var/cache/apk where the cache is enabled). */
export const CACHE_DIR = 'etc/apk/cache';

const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The cached file of this exact name and version. apk-tools 2 names cache files
 * `name-version.<first 4 bytes of the package checksum, hex>.apk` (apk_pkg_format_cache_pkg); when a
 * rebuilt package with the same version left two, the newest is taken.
 */
export async function findCachedApk(cacheDir: string, name: string, version: string): Promise<string | null> {
  let files: string[];
  try {
    files = await readdir(cacheDir);
  } catch {
    return null;
  }
  const pattern = new RegExp(`^${literal(name)}-${literal(version)}\\.[0-9a-f]{8}\\.apk$`);
  let newest: { path: string; mtimeMs: number } | null = null;
  for (const file of files.filter((candidate) => pattern.test(candidate))) {
    const path = join(cacheDir, file);
    const info = await stat(path).catch(() => null);
    if (info?.isFile() && (newest === null || info.mtimeMs > newest.mtimeMs)) newest = { path, mtimeMs: info.mtimeMs };
  }
  return newest?.path ?? null;
}
