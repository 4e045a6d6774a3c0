import type { PackageSpec } from '../contracts/backend.js';
import type { PackageChange } from '../contracts/job.js';

/** The operations that undo a job's recorded changes. */
export interface RollbackPlan {
  /** Packages the job installed: removed again. */
  remove: string[];
  /** Packages the job removed, upgraded or downgraded: (re)installed at their previous version. */
  install: PackageSpec[];
}

export function inverseOf(changes: readonly PackageChange[]): RollbackPlan {
  const remove: string[] = [];
  const install: PackageSpec[] = [];
  for (const change of changes) {
    if (change.action === 'installed') remove.push(change.name);
    else if (change.from_version !== null) install.push({ name: change.name, version: change.from_version });
  }
  return { remove, install };
}
