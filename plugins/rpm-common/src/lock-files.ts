import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LockHolder } from '@linux-patch-api/core';
import { findLockHolderPid } from '@linux-patch-api/core';

/**
 * dnf 4 keeps its locks as pid files (rpmdb_lock.pid in the persistdir, metadata_lock.pid and
 * download_lock.pid in the cachedir, log_lock.pid in the logdir), all inside the install root;
 * yum 3 uses /var/run/yum.pid. A file naming a live process means that process holds the lock;
 * a file left by a dead process is stale (dnf takes it over itself) and never removed here.
 */
export const RPM_LOCK_FILES = [
  'var/lib/dnf/rpmdb_lock.pid',
  'var/cache/dnf/metadata_lock.pid',
  'var/cache/dnf/download_lock.pid',
  'var/log/log_lock.pid',
  'var/run/yum.pid',
  'run/yum.pid',
] as const;

async function processAlive(pid: number): Promise<boolean> {
  try {
    await readFile(`/proc/${pid}/stat`);
    return true;
  } catch {
    return false;
  }
}

export async function findRpmLockHolder(root: string | null): Promise<LockHolder | null> {
  for (const relative of RPM_LOCK_FILES) {
    const path = join(root ?? '/', relative);
    let content: string;
    try {
      content = await readFile(path, 'utf8');
    } catch {
      continue;
    }
    const pid = Number.parseInt(content.trim().split('\n')[0] ?? '', 10);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && (await processAlive(pid))) return { path, pid };
    // dnf flocks the file while it reads and writes it; a holder seen only there still counts.
    const flockHolder = await findLockHolderPid(path);
    if (flockHolder !== null) return { path, pid: flockHolder };
  }
  return null;
}

/** The pid named by a lock message (dnf: "RPMDB already locked by 1234" / "Waiting for process with pid 1234"; yum 3: "pid: 1234"). */
export function lockPidFromOutput(output: string): number | null {
  const match = /(?:already locked by|Waiting for process with pid|another copy is running as pid|\bpid:)\s*(\d+)/i.exec(output);
  return match?.[1] === undefined ? null : Number(match[1]);
}

/** The lock file named by a lock message (yum 3: "Existing lock /var/run/yum.pid: …"), else null. */
export function lockPathFromOutput(output: string): string | null {
  return /Existing lock (\/\S+?):/.exec(output)?.[1] ?? null;
}

/** Whether the package manager gave up because another process holds its lock. */
export function isLockMessage(output: string): boolean {
  return /already locked by|Another app is currently holding the yum lock|Existing lock .*another copy is running/i.test(output);
}
