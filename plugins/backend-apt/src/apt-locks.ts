import { join } from 'node:path';
import type { LockHolder } from '@linux-patch-api/core';
import { findLockHolderPid } from '@linux-patch-api/core';
import type { AptPaths } from './apt-config.js';

/** The fcntl locks apt and dpkg take, the frontend lock first (apt-get holds it for the whole run). */
export function aptLockFiles(paths: AptPaths): string[] {
  return [
    join(paths.dpkgDir, 'lock-frontend'),
    join(paths.dpkgDir, 'lock'),
    join(paths.listsDir, 'lock'),
    join(paths.archivesDir, 'lock'),
  ];
}

/** Who holds one of apt's locks, read from /proc/locks; the lock is only looked at, never removed. */
export async function findAptLockHolder(paths: AptPaths): Promise<LockHolder | null> {
  for (const path of aptLockFiles(paths)) {
    const pid = await findLockHolderPid(path);
    if (pid !== null) return { path, pid };
  }
  return null;
}
