import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { InstalledPackage, ObtainedPackageFile, RollbackFiles } from '../contracts/backend.js';
import type { Logger } from '../contracts/logger.js';

/** The `rollback:` section of the config, read afresh on every use (it may be reloaded). */
export interface RollbackStoreLimits {
  store_max_mb: number;
  store_days: number;
}

/** One kept package file, as the index records it. */
export interface StoredPackage {
  name: string;
  version: string;
  architecture: string | null;
  /** SHA-256 of the file. */
  checksum: string;
  /** The job that kept it (the first one, when later jobs needed the same version). */
  job_id: string;
  size: number;
  /** When it was kept (RFC 3339). */
  time: string;
  /** How it was obtained. */
  via: ObtainedPackageFile['via'];
  /** File name inside the store directory. */
  file: string;
}

/** A kept file that was dropped, so that a verdict can say why the version is gone. */
export interface EvictedPackage {
  name: string;
  version: string;
  time: string;
  why: string;
}

interface StoreIndex {
  packages: StoredPackage[];
  evicted: EvictedPackage[];
}

const INDEX_FILE = 'index.json';
/** How many evictions the index remembers for verdicts. */
const EVICTED_KEPT = 1000;

/**
 * The rollback store (SPEC §12.6): `state_dir/rollback-store/`, mode 0700, one 0600 file per kept
 * package version and an index. Bounded by rollback.store_max_mb and rollback.store_days, oldest
 * out first. Writes happen under the package-manager lock (the job manager calls keep() there), so
 * the index has one writer at a time.
 */
export class RollbackStore {
  readonly directory: string;
  readonly #limits: () => RollbackStoreLimits;
  readonly #logger: Logger;
  readonly #now: () => Date;
  #index: StoreIndex | null = null;

  constructor(stateDir: string, limits: () => RollbackStoreLimits, logger: Logger, now: () => Date = () => new Date()) {
    this.directory = join(stateDir, 'rollback-store');
    this.#limits = limits;
    this.#logger = logger;
    this.#now = now;
  }

  /** The kept file of this version, when the store still has it. */
  async find(name: string, version: string): Promise<(StoredPackage & { path: string }) | null> {
    const index = await this.#load();
    const entry = index.packages.find((p) => p.name === name && p.version === version);
    if (entry === undefined) return null;
    const path = join(this.directory, entry.file);
    try {
      await stat(path);
    } catch {
      return null;
    }
    return { ...entry, path };
  }

  /** Why a version is not in the store: its eviction, or that it was never kept. */
  async whyMissing(name: string, version: string): Promise<string> {
    const index = await this.#load();
    const evicted = index.evicted.findLast((e) => e.name === name && e.version === version);
    return evicted === undefined
      ? 'never kept in the rollback store'
      : `dropped from the rollback store at ${evicted.time} (${evicted.why})`;
  }

  /**
   * Keeps the package files of these installed versions, unless already kept; then applies the
   * bounds. A version no source has is logged and skipped: the job's verdict says so later.
   */
  async keep(jobId: string, packages: readonly InstalledPackage[], files: RollbackFiles, signal: AbortSignal): Promise<void> {
    // 0 MiB means no store: nothing is obtained, copied or hashed.
    if (packages.length === 0 || this.#limits().store_max_mb === 0) return;
    await this.#ensureDirectory();
    const index = await this.#load();
    const scratch = await mkdtemp(join(this.directory, '.incoming-'));
    try {
      for (const pkg of packages) {
        signal.throwIfAborted();
        if (index.packages.some((p) => p.name === pkg.name && p.version === pkg.version)) continue;
        let obtained: ObtainedPackageFile | null = null;
        try {
          obtained = await files.obtainInstalled(pkg, scratch, signal);
        } catch (error) {
          if (signal.aborted) throw error;
          this.#logger.warn({ err: error, package: pkg.name, version: pkg.version }, 'could not keep a package file');
        }
        if (obtained === null) continue;
        const checksum = await sha256(obtained.path);
        const file = `${checksum}-${basename(obtained.path).replace(/[^A-Za-z0-9._+~-]/g, '_')}`;
        const target = join(this.directory, file);
        await rename(obtained.path, target);
        await chmod(target, 0o600);
        index.packages.push({
          name: pkg.name,
          version: pkg.version,
          architecture: pkg.architecture,
          checksum,
          job_id: jobId,
          size: (await stat(target)).size,
          time: this.#now().toISOString(),
          via: obtained.via,
          file,
        });
      }
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
    await this.#evict(index);
    await this.#save(index);
  }

  /** Applies the bounds now (also after a reload lowered them). */
  async enforceBounds(): Promise<void> {
    const index = await this.#load();
    if (await this.#evict(index)) await this.#save(index);
  }

  /** Total bytes kept. */
  async size(): Promise<number> {
    return (await this.#load()).packages.reduce((sum, p) => sum + p.size, 0);
  }

  async list(): Promise<StoredPackage[]> {
    return [...(await this.#load()).packages];
  }

  async #evict(index: StoreIndex): Promise<boolean> {
    const { store_max_mb, store_days } = this.#limits();
    const now = this.#now().getTime();
    const maxBytes = store_max_mb * 1024 * 1024;
    index.packages.sort((a, b) => a.time.localeCompare(b.time));
    const drop = (entry: StoredPackage, why: string) => {
      index.packages.splice(index.packages.indexOf(entry), 1);
      index.evicted.push({ name: entry.name, version: entry.version, time: this.#now().toISOString(), why });
      return rm(join(this.directory, entry.file), { force: true });
    };
    let changed = false;
    for (const entry of [...index.packages]) {
      if (now - Date.parse(entry.time) > store_days * 86400 * 1000) {
        await drop(entry, `older than rollback.store_days ${store_days}`);
        changed = true;
      }
    }
    let total = index.packages.reduce((sum, p) => sum + p.size, 0);
    while (total > maxBytes && index.packages.length > 0) {
      const oldest = index.packages[0] as StoredPackage;
      total -= oldest.size;
      await drop(oldest, `the store was over rollback.store_max_mb ${store_max_mb}`);
      changed = true;
    }
    if (index.evicted.length > EVICTED_KEPT) index.evicted.splice(0, index.evicted.length - EVICTED_KEPT);
    return changed;
  }

  async #ensureDirectory(): Promise<void> {
    await mkdir(this.directory, { recursive: true, mode: 0o700 });
    await chmod(this.directory, 0o700);
  }

  async #load(): Promise<StoreIndex> {
    if (this.#index !== null) return this.#index;
    try {
      const parsed = JSON.parse(await readFile(join(this.directory, INDEX_FILE), 'utf8')) as Partial<StoreIndex>;
      this.#index = { packages: parsed.packages ?? [], evicted: parsed.evicted ?? [] };
    } catch {
      this.#index = { packages: [], evicted: [] };
    }
    return this.#index;
  }

  async #save(index: StoreIndex): Promise<void> {
    await this.#ensureDirectory();
    const path = join(this.directory, INDEX_FILE);
    const temporary = `${path}.tmp`;
    await writeFile(temporary, `${JSON.stringify(index, null, 2)}\n`, { mode: 0o600 });
    await rename(temporary, path);
  }
}

function sha256(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}
