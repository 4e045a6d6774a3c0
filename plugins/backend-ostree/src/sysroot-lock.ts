import { join } from 'node:path';
import type { LockHolder } from '@linux-patch-api/core';
import { findLockHolderPid, LpaError } from '@linux-patch-api/core';

const POLL_MS = 200;

/**
 * libostree's sysroot lock (`ostree/lock` in the sysroot), which every `ostree admin` change
 * takes. Another holder (rpm-ostreed, an admin's `ostree admin upgrade`) is waited for up to
 * lock_wait_seconds, then the job fails LOCKED naming its pid; the lock is never broken.
 */
export class SysrootLock {
  readonly path: string;

  constructor(sysroot: string) {
    this.path = join(sysroot, 'ostree/lock');
  }

  async holder(): Promise<LockHolder | null> {
    const pid = await findLockHolderPid(this.path);
    return pid === null ? null : { path: this.path, pid };
  }

  async waitUntilFree(waitSeconds: number, signal: AbortSignal): Promise<void> {
    const deadline = Date.now() + waitSeconds * 1000;
    for (;;) {
      const holder = await this.holder();
      if (holder === null) return;
      if (Date.now() >= deadline) {
        throw new LpaError('LPA_ERR_LOCKED', `the OSTree sysroot lock ${this.path} is held by pid ${holder.pid}`, {
          details: { path: this.path, pid: holder.pid },
        });
      }
      signal.throwIfAborted();
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
}
