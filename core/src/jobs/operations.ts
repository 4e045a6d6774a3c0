import type { OperationContext, PackageManagerBackend } from '../contracts/backend.js';
import type { Job, PlannedChange } from '../contracts/job.js';
import { LpaError } from '../errors.js';
import type { JobRequest } from './job-request.js';
import { inverseOf } from './rollback.js';

/** How one kind of job plans and runs, over the backend. */
export interface JobOperation {
  /** Whether it changes the package database (a dry run does not). */
  mutates: boolean;
  /** patch_apply: the package index is refreshed first, and a fetch error gets one refresh and retry. */
  refreshFirst: boolean;
  plan(backend: PackageManagerBackend, signal: AbortSignal): Promise<PlannedChange[]>;
  execute(backend: PackageManagerBackend, ctx: OperationContext): Promise<void>;
}

const INVERSE_ACTION = { installed: 'removed', removed: 'installed', upgraded: 'downgraded', downgraded: 'upgraded' } as const;

function operationForRequest(request: JobRequest): JobOperation {
  switch (request.type) {
    case 'package_install':
      return {
        mutates: true,
        refreshFirst: false,
        plan: (backend, signal) => backend.planInstall(request.packages, signal),
        execute: async (backend, ctx) => void (await backend.install(request.packages, ctx)),
      };
    case 'package_update': {
      const spec = request.version === undefined ? { name: request.name } : { name: request.name, version: request.version };
      return {
        mutates: true,
        refreshFirst: false,
        plan: (backend, signal) =>
          request.version === undefined
            ? backend.planUpgrades({ names: [request.name], securityOnly: false }, signal)
            : backend.planInstall([spec], signal),
        execute: async (backend, ctx) => void (await backend.update(request.name, request.version, ctx)),
      };
    }
    case 'package_remove':
      return {
        mutates: true,
        refreshFirst: false,
        plan: (backend, signal) => backend.planRemove([request.name], signal),
        execute: async (backend, ctx) => void (await backend.remove([request.name], ctx)),
      };
    case 'patch_apply': {
      const selection = { names: request.packages, securityOnly: request.security_only };
      return {
        mutates: !request.dry_run,
        refreshFirst: true,
        plan: (backend, signal) => backend.planUpgrades(selection, signal),
        execute: async (backend, ctx) => void (await backend.applyUpgrades(selection, ctx)),
      };
    }
  }
}

/** A rollback undoes the original job's recorded changes: removals first, then reinstalls. */
function rollbackOperation(original: Readonly<Job>): JobOperation {
  const inverse = inverseOf(original.changes);
  return {
    mutates: true,
    refreshFirst: false,
    plan: async () =>
      original.changes.map((change) => ({
        name: change.name,
        action: INVERSE_ACTION[change.action],
        from_version: change.to_version,
        to_version: change.from_version,
      })),
    async execute(backend, ctx) {
      if (backend.rollback !== undefined) {
        await backend.rollback(inverse, ctx);
        return;
      }
      const steps = (inverse.remove.length > 0 ? 1 : 0) + (inverse.install.length > 0 ? 1 : 0);
      let step = 0;
      const stepCtx = (): OperationContext => {
        const offset = (step / steps) * 100;
        step += 1;
        return { ...ctx, onProgress: (percent, message) => ctx.onProgress(offset + percent / steps, message) };
      };
      if (inverse.remove.length > 0) await backend.remove(inverse.remove, stepCtx());
      if (inverse.install.length > 0) await backend.install(inverse.install, stepCtx());
    },
  };
}

export function operationFor(job: Readonly<Job>, request: JobRequest | null, original: Readonly<Job> | null): JobOperation {
  if (job.type === 'rollback') {
    if (original === null) throw new LpaError('LPA_ERR_INTERNAL', 'a rollback job needs its original job');
    return rollbackOperation(original);
  }
  if (request === null) throw new LpaError('LPA_ERR_INTERNAL', 'a job needs its request');
  return operationForRequest(request);
}
