import { readFile, stat } from 'node:fs/promises';
import type { InstalledPackage } from '@linux-patch-api/core';

export interface ApkInstalledRecord extends InstalledPackage {
  /** `o:` the origin (source package), where recorded. */
  origin: string | null;
}

/**
 * Parses apk's installed database (`/lib/apk/db/installed`): one record per package, separated by
 * blank lines, each line `X:value`. P: name, V: version, A: arch, T: description, I: installed size;
 * the file lines (F:, R:, Z:, a:, M:) that follow are skipped.
 */
export function parseInstalledDb(text: string): ApkInstalledRecord[] {
  const packages: ApkInstalledRecord[] = [];
  let current: Record<string, string> = {};
  const flush = () => {
    const name = current.P;
    const version = current.V;
    if (name !== undefined && version !== undefined) {
      const size = current.I === undefined ? Number.NaN : Number(current.I);
      packages.push({
        name,
        version,
        architecture: current.A ?? null,
        status: 'installed',
        description: current.T ?? null,
        installed_size: Number.isSafeInteger(size) && size >= 0 ? size : null,
        origin: current.o ?? null,
      });
    }
    current = {};
  };
  for (const line of text.split('\n')) {
    if (line === '') {
      flush();
      continue;
    }
    const key = line[0] as string;
    if (line[1] !== ':' || !'PVATIo'.includes(key)) continue;
    // The first occurrence wins; package-level keys appear once, before the file list.
    if (current[key] === undefined) current[key] = line.slice(2);
  }
  flush();
  return packages.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The installed set, re-read only when the database file changed (size or modification time). */
export class InstalledDatabase {
  readonly path: string;
  #signature: string | null = null;
  #packages: ApkInstalledRecord[] = [];

  constructor(path: string) {
    this.path = path;
  }

  /** When apk last rewrote the database (it does on every change to the installed set); null before the first. */
  async lastWritten(): Promise<Date | null> {
    try {
      return (await stat(this.path)).mtime;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async list(): Promise<ApkInstalledRecord[]> {
    let signature: string;
    try {
      const info = await stat(this.path, { bigint: true });
      signature = `${info.mtimeNs}:${info.size}:${info.ino}`;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    if (signature !== this.#signature) {
      this.#packages = parseInstalledDb(await readFile(this.path, 'utf8'));
      this.#signature = signature;
    }
    return this.#packages.map((pkg) => ({ ...pkg }));
  }
}
