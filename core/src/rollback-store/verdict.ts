import type { PackageManagerBackend } from '../contracts/backend.js';
import type { Job, RollbackPackage, RollbackVerdict } from '../contracts/job.js';
import { inverseOf } from '../jobs/rollback.js';
import type { RollbackStore } from './rollback-store.js';

/** Types whose changes a package rollback can undo (a rollback itself cannot be rolled back). */
const ROLLBACK_CAPABLE = new Set<Job['type']>(['package_install', 'package_update', 'package_remove', 'patch_apply']);

/**
 * Whether a job's changes can be undone and from where (SPEC §12.6): each version to reinstall is
 * taken from the store when it has it (no process runs), else the backend says whether its cache or
 * the repository still has it. Packages the job installed are only removed again and need no file.
 */
export async function rollbackVerdict(
  job: Readonly<Job>,
  backend: PackageManagerBackend,
  store: RollbackStore | null,
  signal?: AbortSignal,
  /** For a dry run's plan: versions the backend can keep are predicted to come from the store. */
  predicted = false,
): Promise<RollbackVerdict | null> {
  if (!ROLLBACK_CAPABLE.has(job.type) || job.changes.length === 0 || backend.deployments !== undefined) return null;
  const packages: RollbackPackage[] = [];
  for (const { name, version } of inverseOf(job.changes).install) {
    const wanted = version as string;
    const keptByTheJob = predicted && store !== null && backend.rollbackFiles !== undefined;
    if (keptByTheJob || (store !== null && (await store.find(name, wanted)) !== null)) {
      packages.push({ name, version: wanted, source: 'store' });
      continue;
    }
    const elsewhere =
      backend.rollbackFiles === undefined ? 'repo' : await backend.rollbackFiles.availability(name, wanted, signal);
    if (elsewhere !== 'none') {
      packages.push({ name, version: wanted, source: elsewhere });
      continue;
    }
    const missing = store === null ? 'no rollback store' : await store.whyMissing(name, wanted);
    packages.push({
      name,
      version: wanted,
      source: 'none',
      reason: `${name} ${wanted}: ${missing}, and neither the package cache nor the repository has it`,
    });
  }
  const reasons = packages.flatMap((p) => (p.reason === undefined ? [] : [p.reason]));
  return { possible: reasons.length === 0, reason: reasons.length === 0 ? null : reasons.join('; '), packages };
}
