import { mkdir, open, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { ClientIdentity } from '../contracts/audit.js';
import type { InstalledPackage } from '../contracts/backend.js';
import type { Job } from '../contracts/job.js';

const JOB_FILE = /^[0-9a-f-]{36}\.json$/;

/** A package-manager process a job started: the leader of its own process group. */
export interface PackageManagerProcess {
  pid: number;
  /** Its process group (the runner starts every program as a group leader, so pgid = pid). */
  pgid: number;
  /** The program, e.g. /usr/bin/apt-get. */
  file: string;
  /** From /proc/PID/stat: tells this process from a later one given the same pid; null if unread. */
  start_ticks: number | null;
  started_at: string;
}

/** What the job file holds besides the job as the API shows it. */
export interface JobFileExtras {
  /** The certificate and address that asked for the job, for its audit records after a restart. */
  client_identity: ClientIdentity | null;
  /** Every package-manager process the job started, recorded as each one starts. */
  package_manager: PackageManagerProcess[];
}

export type JobFile = Job & Partial<JobFileExtras>;

/**
 * Job records on disk: `state_dir/jobs/<id>.json`, each written atomically (temporary file,
 * fsync, rename) so a crash leaves either the old or the new record, never half of one. A durable
 * save also syncs the directory, so the record survives a crash of the whole machine: the job
 * manager writes one before it answers a request and before the package manager starts (write-ahead),
 * together with `<id>.installed-before.json`, the installed set the job started from.
 */
export class JobStore {
  readonly dir: string;

  constructor(stateDir: string) {
    this.dir = join(stateDir, 'jobs');
  }

  readonly #chains = new Map<string, Promise<void>>();

  /** Writes and deletes of one job's file happen in the order they were asked for. */
  #inOrder(id: string, write: () => Promise<void>): Promise<void> {
    const next = (this.#chains.get(id) ?? Promise.resolve()).catch(() => {}).then(write);
    this.#chains.set(id, next);
    const forget = () => {
      if (this.#chains.get(id) === next) this.#chains.delete(id);
    };
    next.then(forget, forget);
    return next;
  }

  /** Rejects when the record could not be written (e.g. ENOSPC); a durable save is on disk when it resolves. */
  save(job: JobFile, options: { durable?: boolean } = {}): Promise<void> {
    const text = `${JSON.stringify(job)}\n`;
    return this.#inOrder(job.id, () => this.#write(`${job.id}.json`, text, options.durable === true));
  }

  /** The installed set before a job's package manager ran, durably: what recovery compares with after a crash. */
  saveInstalledBefore(id: string, installed: readonly InstalledPackage[]): Promise<void> {
    const text = `${JSON.stringify(installed.map(({ name, version, status }) => ({ name, version, status })))}\n`;
    return this.#inOrder(id, () => this.#write(`${id}.installed-before.json`, text, true));
  }

  /** The installed set saved by saveInstalledBefore, or null when there is none (or it cannot be read). */
  async readInstalledBefore(id: string): Promise<Pick<InstalledPackage, 'name' | 'version' | 'status'>[] | null> {
    try {
      return JSON.parse(await readFile(join(this.dir, `${id}.installed-before.json`), 'utf8'));
    } catch {
      return null;
    }
  }

  delete(id: string): Promise<void> {
    return this.#inOrder(id, async () => {
      await rm(join(this.dir, `${id}.json`), { force: true });
      await rm(join(this.dir, `${id}.installed-before.json`), { force: true });
    });
  }

  /** Removes only the installed-before snapshot (the job's changes are measured). */
  forgetInstalledBefore(id: string): Promise<void> {
    return this.#inOrder(id, () => rm(join(this.dir, `${id}.installed-before.json`), { force: true }));
  }

  async #write(name: string, text: string, durable: boolean): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await writeFileAtomic(join(this.dir, name), text, { mode: 0o600 });
    if (durable) await syncDirectory(this.dir);
  }

  /** Resolves once every write and delete asked for so far has settled. */
  async flush(): Promise<void> {
    await Promise.all([...this.#chains.values()].map((chain) => chain.catch(() => {})));
  }

  /** Every readable record left by an earlier run; unreadable files are returned by name. */
  async readAll(): Promise<{ jobs: JobFile[]; unreadable: string[] }> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return { jobs: [], unreadable: [] };
    }
    const jobs: JobFile[] = [];
    const unreadable: string[] = [];
    for (const name of names.filter((file) => JOB_FILE.test(file))) {
      try {
        const job = JSON.parse(await readFile(join(this.dir, name), 'utf8')) as JobFile;
        // Records written before progress_message existed.
        job.progress_message ??= null;
        jobs.push(job);
      } catch {
        unreadable.push(name);
      }
    }
    return { jobs, unreadable };
  }

  /** Empties the directory (job records do not survive a restart). */
  async clear(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
  }
}

async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
