import type { PackageManagerBackend } from '../contracts/backend.js';
import type { LockWait } from '../contracts/job.js';
import { isDescendantOf, readCommandLine } from '../system/process-table.js';

const POLL_MS = 500;

function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * While a job's package manager runs, looks at who holds the package-manager lock every half
 * second: a holder that is not this agent or one of its children (an admin's apt,
 * unattended-upgrades, an orphan of an earlier agent) means the job is waiting for it, and
 * `onChange` hears `{lock, pid, command, since}`; when the lock is ours or free again it hears null.
 * Returns the function that stops watching.
 */
export function watchForeignLock(
  backend: PackageManagerBackend,
  onChange: (waiting: LockWait | null) => void,
  now: () => Date = () => new Date(),
): () => void {
  let current: LockWait | null = null;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  const look = async () => {
    let next: LockWait | null = null;
    try {
      const holder = await backend.findLockHolder();
      if (holder !== null && (holder.pid === null || !(await isDescendantOf(holder.pid, process.pid)))) {
        const same = current !== null && current.lock === holder.path && current.pid === holder.pid;
        next = same
          ? current
          : {
              lock: holder.path,
              pid: holder.pid,
              command: holder.pid === null ? null : await readCommandLine(holder.pid),
              since: rfc3339(now()),
            };
      }
    } catch {
      next = current;
    }
    if (stopped) return;
    if (next !== current) {
      current = next;
      onChange(next);
    }
    timer = setTimeout(() => void look(), POLL_MS);
  };
  void look();
  return () => {
    stopped = true;
    if (timer !== null) clearTimeout(timer);
  };
}
