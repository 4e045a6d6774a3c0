import { access, readdir, readlink, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { type LockHolder, LpaError } from '@linux-patch-api/core';

const POLL_MS = 100;

/**
 * pacman's lock is a plain file (`DBPATH/db.lck`, created with O_EXCL) that the holder keeps open
 * for as long as it runs; there is no fcntl lock to find in /proc/locks. The holder is the process
 * with an open descriptor on it, found by scanning /proc/PID/fd. A lock file that nobody here has
 * open is most likely stale (left by a killed pacman), but it could also belong to a process in
 * another pid namespace, so it is reported and never removed by the agent on its own.
 */
export class PacmanDbLock {
  readonly path: string;

  constructor(dbPath: string) {
    this.path = join(dbPath, 'db.lck');
  }

  async exists(): Promise<boolean> {
    try {
      await access(this.path);
      return true;
    } catch {
      return false;
    }
  }

  /** null when there is no lock file; else its path and the pid of the process holding it open, if any. */
  async holder(): Promise<LockHolder | null> {
    let target: string;
    try {
      target = await realpath(this.path);
    } catch {
      return null;
    }
    return { path: this.path, pid: await findProcessWithOpenFile(target) };
  }

  /**
   * Waits (bounded) for the lock file to go away. Throws LPA_ERR_LOCKED naming the holder's pid,
   * or saying that no process has it open, once `waitSeconds` have passed.
   */
  async waitUntilFree(waitSeconds: number, signal?: AbortSignal): Promise<void> {
    const deadline = Date.now() + Math.max(0, waitSeconds) * 1000;
    for (;;) {
      if (!(await this.exists())) return;
      if (signal?.aborted) throw new LpaError('LPA_ERR_CANCELLED', 'cancelled while waiting for the pacman database lock');
      if (Date.now() >= deadline) throw await this.lockedError(waitSeconds);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  async lockedError(waitSeconds: number): Promise<LpaError> {
    const holder = await this.holder();
    const pid = holder?.pid ?? null;
    const message =
      pid !== null
        ? `the pacman database lock ${this.path} is held by pid ${pid} (waited ${waitSeconds} s)`
        : `the pacman database lock ${this.path} is held, pid unknown: no process here has it open, so it may be stale; ` +
          `remove it by hand only if no pacman is running (waited ${waitSeconds} s)`;
    return new LpaError('LPA_ERR_LOCKED', message, { details: { path: this.path, pid, stale_suspected: pid === null } });
  }
}

/** The first process with an open file descriptor on `target` (a resolved path), or null. */
export async function findProcessWithOpenFile(target: string): Promise<number | null> {
  let pids: string[];
  try {
    pids = (await readdir('/proc')).filter((entry) => /^[0-9]+$/.test(entry));
  } catch {
    return null;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = await readdir(`/proc/${pid}/fd`);
    } catch {
      continue; // gone, or not ours to look at
    }
    for (const fd of fds) {
      try {
        if ((await readlink(`/proc/${pid}/fd/${fd}`)) === target) return Number(pid);
      } catch {
        /* closed meanwhile */
      }
    }
  }
  return null;
}
