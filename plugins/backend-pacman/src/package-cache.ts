import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { vercmp } from './vercmp.js';

const PACKAGE_FILE = /^(.+)-([^-]+)-([^-]+)-([^-]+)\.pkg\.tar(?:\.(?:zst|xz|gz|bz2|lzo|lrz|lz4|lz|Z))?$/;

export interface CachedPackageFile {
  path: string;
  name: string;
  /** `[epoch:]pkgver-pkgrel`, as in the file name. */
  version: string;
  architecture: string;
}

/** Splits `NAME-PKGVER-PKGREL-ARCH.pkg.tar.EXT`; null for signatures, partial downloads and other files. */
export function parsePackageFileName(fileName: string): Omit<CachedPackageFile, 'path'> | null {
  const match = PACKAGE_FILE.exec(fileName);
  if (match === null) return null;
  return { name: match[1] as string, version: `${match[2]}-${match[3]}`, architecture: match[4] as string };
}

/**
 * pacman installs a specific (older) version only from a package file, and the package cache is
 * where earlier downloads stay. A version given without pkgrel matches the newest pkgrel cached.
 */
export async function findCachedPackage(
  cacheDirs: readonly string[],
  name: string,
  version: string,
): Promise<CachedPackageFile | null> {
  const wantsRelease = /-[0-9]+(?:\.[0-9]+)?$/.test(version);
  let best: CachedPackageFile | null = null;
  for (const dir of cacheDirs) {
    let entries: string[];
    try {
      entries = await readdir(dir);
    } catch {
      continue;
    }
    for (const entry of entries) {
      const parsed = parsePackageFileName(entry);
      if (parsed === null || parsed.name !== name) continue;
      const matches = wantsRelease
        ? parsed.version === version
        : parsed.version.slice(0, parsed.version.lastIndexOf('-')) === version;
      if (!matches) continue;
      if (best === null || vercmp(parsed.version, best.version) > 0) best = { ...parsed, path: join(dir, entry) };
    }
  }
  return best;
}
