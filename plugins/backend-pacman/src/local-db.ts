import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { InstalledPackage } from '@linux-patch-api/core';

/** Parses a local database `desc` file: `%KEY%` headers, each followed by value lines up to a blank line. */
export function parseDesc(text: string): Map<string, string[]> {
  const fields = new Map<string, string[]>();
  let current: string[] | null = null;
  for (const line of text.split('\n')) {
    const header = /^%([A-Z0-9]+)%$/.exec(line);
    if (header?.[1] !== undefined) {
      current = [];
      fields.set(header[1], current);
    } else if (line === '') {
      current = null;
    } else if (current !== null) {
      current.push(line);
    }
  }
  return fields;
}

/** The installed-package record of one `desc` file, or null when it lacks a name or version. */
export function packageFromDesc(text: string): InstalledPackage | null {
  const fields = parseDesc(text);
  const name = fields.get('NAME')?.[0];
  const version = fields.get('VERSION')?.[0];
  if (name === undefined || version === undefined) return null;
  const size = fields.get('SIZE')?.[0];
  const parsedSize = size === undefined ? Number.NaN : Number(size);
  return {
    name,
    version,
    architecture: fields.get('ARCH')?.[0] ?? null,
    status: 'installed',
    description: fields.get('DESC')?.join('\n') ?? null,
    installed_size: Number.isSafeInteger(parsedSize) && parsedSize >= 0 ? parsedSize : null,
  };
}

interface CachedEntry {
  mtimeNs: bigint;
  pkg: InstalledPackage | null;
}

/**
 * The installed set, read from `DBPATH/local/NAME-VERSION/desc`. A package's directory name carries
 * its version, so an upgrade shows up as a new entry; entries are parsed again only when they are
 * new or their `desc` changed, and the whole set is reused while the directory itself is unchanged.
 */
export class LocalDatabase {
  readonly #localDir: string;
  #dirMtimeNs: bigint | null = null;
  #entries = new Map<string, CachedEntry>();
  #snapshot: InstalledPackage[] = [];

  constructor(dbPath: string) {
    this.#localDir = join(dbPath, 'local');
  }

  get localDir(): string {
    return this.#localDir;
  }

  async list(): Promise<InstalledPackage[]> {
    let dirStat: Awaited<ReturnType<typeof stat>> & { mtimeNs: bigint };
    try {
      dirStat = await stat(this.#localDir, { bigint: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    if (this.#dirMtimeNs === dirStat.mtimeNs) return this.#snapshot.map((pkg) => ({ ...pkg }));

    const names = (await readdir(this.#localDir, { withFileTypes: true })).filter((entry) => entry.isDirectory());
    const next = new Map<string, CachedEntry>();
    for (const entry of names) {
      const descPath = join(this.#localDir, entry.name, 'desc');
      let descStat: { mtimeNs: bigint };
      try {
        descStat = await stat(descPath, { bigint: true });
      } catch {
        continue; // half-written by a running pacman; it appears on the next read
      }
      const cached = this.#entries.get(entry.name);
      if (cached !== undefined && cached.mtimeNs === descStat.mtimeNs) {
        next.set(entry.name, cached);
        continue;
      }
      let text: string;
      try {
        text = await readFile(descPath, 'utf8');
      } catch {
        continue;
      }
      next.set(entry.name, { mtimeNs: descStat.mtimeNs, pkg: packageFromDesc(text) });
    }
    this.#entries = next;
    this.#snapshot = [...next.values()]
      .map((entry) => entry.pkg)
      .filter((pkg): pkg is InstalledPackage => pkg !== null)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    this.#dirMtimeNs = dirStat.mtimeNs;
    return this.#snapshot.map((pkg) => ({ ...pkg }));
  }

  /** What `pacman -Ql` prints, read from the same files: `local/NAME-VERSION/files` (directories left out). */
  async files(names: readonly string[]): Promise<Map<string, string[]>> {
    const files = new Map<string, string[]>();
    if (names.length === 0) return files;
    await this.list();
    const wanted = new Set(names);
    for (const [dir, entry] of this.#entries) {
      if (entry.pkg === null || !wanted.has(entry.pkg.name)) continue;
      const text = await readFile(join(this.#localDir, dir, 'files'), 'utf8').catch(() => '');
      const paths = (parseDesc(text).get('FILES') ?? []).filter((path) => !path.endsWith('/')).map((path) => `/${path}`);
      files.set(entry.pkg.name, paths);
    }
    return files;
  }
}
