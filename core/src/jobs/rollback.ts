import type { PackageSpec, RollbackPlan } from '../contracts/backend.js';
import type { PackageChange } from '../contracts/job.js';

export type { RollbackPlan };

export function inverseOf(changes: readonly PackageChange[]): RollbackPlan {
  const remove: string[] = [];
  const install: PackageSpec[] = [];
  for (const change of changes) {
    if (change.action === 'installed') remove.push(change.name);
    else if (change.from_version !== null) install.push({ name: change.name, version: change.from_version });
  }
  return { remove, install };
}
