import type { PackageManagerBackend, RollbackFiles } from '../contracts/backend.js';
import type { Job, RollbackPackage, RollbackVerdict } from '../contracts/job.js';
import { inverseOf } from '../jobs/rollback.js';
import type { RollbackStore } from './rollback-store.js';

/** Types whose changes a package rollback can undo (a rollback itself cannot be rolled back). */
const ROLLBACK_CAPABLE = new Set<Job['type']>(['package_install', 'package_update', 'package_remove', 'patch_apply']);

type Availability = Awaited<ReturnType<RollbackFiles['availability']>>;

/**
 * The backend's answers on where a version can be installed from, asked once per name and version:
 * verdicts computed together (a job list) share one, so each missing pair costs one query.
 */
export class AvailabilityMemo {
  readonly #answers = new Map<string, Promise<Availability>>();

  ask(files: RollbackFiles, name: string, version: string, signal?: AbortSignal): Promise<Availability> {
    const key = `${name}\u0000${version}`;
    let answer = this.#answers.get(key);
    if (answer === undefined) {
      answer = files.availability(name, version, signal);
      this.#answers.set(key, answer);
    }
    return answer;
  }
}

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
  memo: AvailabilityMemo = new AvailabilityMemo(),
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
    const elsewhere = backend.rollbackFiles === undefined ? 'repo' : await memo.ask(backend.rollbackFiles, name, wanted, signal);
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
