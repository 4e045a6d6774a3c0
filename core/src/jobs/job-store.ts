import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { Job } from '../contracts/job.js';

const JOB_FILE = /^[0-9a-f-]{36}\.json$/;

/**
 * Job records on disk: `state_dir/jobs/<id>.json`, each written atomically (temporary file,
 * fsync, rename) so a crash leaves either the old or the new record, never half of one.
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

  save(job: Job): Promise<void> {
    const text = `${JSON.stringify(job)}\n`;
    return this.#inOrder(job.id, async () => {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      await writeFileAtomic(join(this.dir, `${job.id}.json`), text, { mode: 0o600 });
    });
  }

  delete(id: string): Promise<void> {
    return this.#inOrder(id, () => rm(join(this.dir, `${id}.json`), { force: true }));
  }

  /** Resolves once every write and delete asked for so far has settled. */
  async flush(): Promise<void> {
    await Promise.all([...this.#chains.values()].map((chain) => chain.catch(() => {})));
  }

  /** Every readable record left by an earlier run; unreadable files are returned by name. */
  async readAll(): Promise<{ jobs: Job[]; unreadable: string[] }> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return { jobs: [], unreadable: [] };
    }
    const jobs: Job[] = [];
    const unreadable: string[] = [];
    for (const name of names.filter((file) => JOB_FILE.test(file))) {
      try {
        const job = JSON.parse(await readFile(join(this.dir, name), 'utf8')) as Job;
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
