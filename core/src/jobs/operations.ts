import type { OperationContext, PackageManagerBackend, RollbackPlan, UpgradeSelection } from '../contracts/backend.js';
import type { DeploymentManager, DeploymentPlan } from '../contracts/deployments.js';
import type { HeldBackPackage, Job, PlannedChange } from '../contracts/job.js';
import { LpaError } from '../errors.js';
import type { RollbackStore } from '../rollback-store/rollback-store.js';
import { type NarrowedSelection, narrowSelection } from './held-back.js';
import { type DeploymentJobRequest, isDryRun, type JobRequest, type PinnedSpec, pinnedSpecsOf } from './job-request.js';
import { stepContexts } from './plan-execution.js';
import { inverseOf } from './rollback.js';

/** What a job plans: the changes, and on atomic hosts the deployment change they belong to. */
export interface OperationPlan {
  changes: PlannedChange[];
  deployment: DeploymentPlan | null;
}

/** How one kind of job plans and runs, over the backend. */
export interface JobOperation {
  /** Whether it changes the package database (a dry run does not). */
  mutates: boolean;
  /** patch_apply: the package index is refreshed first, and a fetch error gets one refresh and retry. */
  refreshFirst: boolean;
  /** Checks that must pass before anything changes, for every job of this kind (not only when planned). */
  check?(backend: PackageManagerBackend, signal: AbortSignal): Promise<void>;
  plan(backend: PackageManagerBackend, signal: AbortSignal): Promise<OperationPlan>;
  execute(backend: PackageManagerBackend, ctx: OperationContext): Promise<void>;
  /** The targeted updates this job keeps back (SPEC §12.4); absent for jobs that target no updates. */
  heldBack?(backend: PackageManagerBackend, signal: AbortSignal): Promise<HeldBackPackage[]>;
  /** The packages the request names, which a plan run as pins records as installed on request. */
  requested?: readonly string[];
}

const packagePlan = async (changes: Promise<PlannedChange[]>): Promise<OperationPlan> => ({
  changes: await changes,
  deployment: null,
});

const deploymentPlan = async (plan: Promise<DeploymentPlan | null>): Promise<OperationPlan> => {
  const deployment = await plan;
  return { changes: deployment?.changes ?? [], deployment };
};

/** The backend's deployments capability, or NOT_SUPPORTED: this host is not managed as deployments. */
export function deploymentsOf(backend: PackageManagerBackend): DeploymentManager {
  if (backend.deployments === undefined) {
    throw new LpaError('LPA_ERR_NOT_SUPPORTED', `the ${backend.info().packageManager} backend does not manage deployments`);
  }
  return backend.deployments;
}

/**
 * What is held back is read once per job, when it starts, and the job reports and plans and applies
 * by that one reading: a retry after a download failure must not change what the job keeps back.
 */
function narrowedOnce(selection: UpgradeSelection) {
  let narrowed: Promise<NarrowedSelection> | null = null;
  return (backend: PackageManagerBackend, signal: AbortSignal): Promise<NarrowedSelection> => {
    narrowed ??= narrowSelection(backend, selection, signal);
    narrowed.catch(() => {
      narrowed = null;
    });
    return narrowed;
  };
}

/** Every targeted update is held back: the package manager is not started. */
function keptEverythingBack(ctx: OperationContext): void {
  ctx.onLog('every targeted update is held back; nothing to apply');
  ctx.onProgress(100, 'every targeted update is held back');
}

const INVERSE_ACTION = { installed: 'removed', removed: 'installed', upgraded: 'downgraded', downgraded: 'upgraded' } as const;

function operationForRequest(request: JobRequest): JobOperation {
  switch (request.type) {
    case 'package_install':
      return {
        mutates: !isDryRun(request),
        refreshFirst: false,
        plan: (backend, signal) => packagePlan(backend.planInstall(request.packages, signal)),
        execute: async (backend, ctx) => void (await backend.install(request.packages, ctx)),
        requested: request.packages.map((spec) => spec.name),
      };
    case 'package_update': {
      if (request.version !== undefined) {
        const spec = { name: request.name, version: request.version };
        return {
          mutates: !isDryRun(request),
          refreshFirst: false,
          plan: (backend, signal) => packagePlan(backend.planInstall([spec], signal)),
          execute: async (backend, ctx) => void (await backend.update(request.name, request.version, ctx)),
          requested: [request.name],
        };
      }
      // Without a version, the update the package manager offers; one it holds back is kept back.
      const narrow = narrowedOnce({ names: [request.name], securityOnly: false });
      return {
        mutates: !isDryRun(request),
        refreshFirst: false,
        async plan(backend, signal) {
          const narrowed = await narrow(backend, signal);
          if (narrowed.selection.names?.length === 0) return packagePlan(Promise.resolve([]));
          return packagePlan(backend.planUpgrades(narrowed.selection, signal));
        },
        async execute(backend, ctx) {
          const narrowed = await narrow(backend, ctx.signal);
          if (narrowed.selection.names?.length === 0) return keptEverythingBack(ctx);
          await backend.update(request.name, undefined, ctx);
        },
        heldBack: async (backend, signal) => (await narrow(backend, signal)).heldBack,
        requested: [request.name],
      };
    }
    case 'package_remove':
      return {
        mutates: !isDryRun(request),
        refreshFirst: false,
        plan: (backend, signal) => packagePlan(backend.planRemove([request.name], signal)),
        execute: async (backend, ctx) => void (await backend.remove([request.name], ctx)),
      };
    case 'patch_apply': {
      const pinned = pinnedSpecsOf(request);
      if (pinned !== null) return pinnedApplyOperation(pinned, !request.dry_run);
      const selection = { names: request.packages as string[] | null, securityOnly: request.security_only };
      const narrow = narrowedOnce(selection);
      return {
        mutates: !request.dry_run,
        refreshFirst: true,
        async plan(backend, signal) {
          if (backend.deployments !== undefined) return deploymentPlan(backend.deployments.planUpgrade(signal));
          const narrowed = await narrow(backend, signal);
          if (narrowed.selection.names?.length === 0) return packagePlan(Promise.resolve([]));
          return packagePlan(backend.planUpgrades(narrowed.selection, signal));
        },
        async execute(backend, ctx) {
          if (backend.deployments !== undefined) return void (await backend.applyUpgrades(selection, ctx));
          const narrowed = await narrow(backend, ctx.signal);
          if (narrowed.selection.names?.length === 0) return keptEverythingBack(ctx);
          await backend.applyUpgrades(narrowed.selection, ctx);
        },
        heldBack: async (backend, signal) => (backend.deployments !== undefined ? [] : (await narrow(backend, signal)).heldBack),
        requested: selection.names ?? [],
      };
    }
    default:
      return deploymentOperation(request);
  }
}

/**
 * A pinned apply (SPEC §12.3) brings each package to exactly its version, up or down, through the
 * backend's versioned install. Every pair is checked first, so one that is offered nowhere fails
 * the job VERSION_UNAVAILABLE, naming all of them, before anything changes.
 */
function pinnedApplyOperation(pinned: PinnedSpec[], mutates: boolean): JobOperation {
  return {
    mutates,
    refreshFirst: true,
    async check(backend, signal) {
      if (backend.findUnavailableVersions === undefined) {
        throw new LpaError('LPA_ERR_NOT_SUPPORTED', 'this backend cannot apply pinned versions');
      }
      const missing = await backend.findUnavailableVersions(pinned, signal);
      if (missing.length > 0) {
        throw new LpaError(
          'LPA_ERR_VERSION_UNAVAILABLE',
          `not available: ${missing.map((spec) => `${spec.name} ${spec.version}`).join(', ')}`,
          { details: { missing: missing.map((spec) => ({ name: spec.name, version: spec.version })) } },
        );
      }
    },
    plan: (backend, signal) => packagePlan(backend.planInstall(pinned, signal)),
    execute: async (backend, ctx) => void (await backend.install(pinned, ctx)),
    requested: pinned.map((spec) => spec.name),
  };
}

function deploymentOperation(request: DeploymentJobRequest): JobOperation {
  const common = { mutates: !request.dry_run, refreshFirst: false };
  switch (request.type) {
    case 'deployment_rollback':
      return {
        ...common,
        plan: (backend, signal) => deploymentPlan(deploymentsOf(backend).planRollback(signal)),
        execute: async (backend, ctx) => void (await deploymentsOf(backend).rollback(ctx)),
      };
    case 'deployment_rebase':
      return {
        ...common,
        plan: (backend, signal) => deploymentPlan(deploymentsOf(backend).planRebase(request.ref, signal)),
        execute: async (backend, ctx) => void (await deploymentsOf(backend).rebase(request.ref, ctx)),
      };
    case 'deployment_undeploy':
      return {
        ...common,
        plan: (backend, signal) => deploymentPlan(deploymentsOf(backend).planUndeploy(request.index, signal)),
        execute: async (backend, ctx) => void (await deploymentsOf(backend).undeploy(request.index, ctx)),
      };
  }
}

/**
 * A rollback undoes the original job's recorded changes: removals first, then reinstalls. On an
 * atomic host packages cannot be put back one by one: the previous deployment becomes the default.
 */
function rollbackOperation(original: Readonly<Job>, store: RollbackStore | null): JobOperation {
  const inverse = inverseOf(original.changes);
  return {
    mutates: true,
    refreshFirst: false,
    plan: async (backend, signal) =>
      backend.deployments !== undefined
        ? deploymentPlan(backend.deployments.planRollback(signal))
        : {
            changes: original.changes.map((change) => ({
              name: change.name,
              action: INVERSE_ACTION[change.action],
              from_version: change.to_version,
              to_version: change.from_version,
            })),
            deployment: null,
          },
    async execute(backend, ctx) {
      if (backend.deployments !== undefined) {
        await backend.deployments.rollback(ctx);
        return;
      }
      const kept = await keptFiles(inverse.install, backend, store);
      if (backend.rollback !== undefined) {
        await backend.rollback(kept.size === 0 ? inverse : { ...inverse, files: Object.fromEntries(kept) }, ctx);
        return;
      }
      const stepCtx = stepContexts(ctx, (inverse.remove.length > 0 ? 1 : 0) + (inverse.install.length > 0 ? 1 : 0));
      if (inverse.remove.length > 0) await backend.remove(inverse.remove, stepCtx());
      if (inverse.install.length === 0) return;
      // Kept files first: they are the exact versions, whatever the repository has now.
      const fromRepository = inverse.install.filter((spec) => !kept.has(spec.name));
      const installCtx = stepCtx();
      if (kept.size > 0)
        await (backend.rollbackFiles as NonNullable<typeof backend.rollbackFiles>).installFiles([...kept.values()], installCtx);
      if (fromRepository.length > 0) await backend.install(fromRepository, installCtx);
    },
  };
}

/** The store's files for the versions a rollback reinstalls, by name (none when the backend cannot install files). */
async function keptFiles(
  install: RollbackPlan['install'],
  backend: PackageManagerBackend,
  store: RollbackStore | null,
): Promise<Map<string, string>> {
  const kept = new Map<string, string>();
  if (store === null || backend.rollbackFiles === undefined) return kept;
  for (const spec of install) {
    const stored = await store.find(spec.name, spec.version as string);
    if (stored !== null) kept.set(spec.name, stored.path);
  }
  return kept;
}

export function operationFor(
  job: Readonly<Job>,
  request: JobRequest | null,
  original: Readonly<Job> | null,
  store: RollbackStore | null = null,
): JobOperation {
  if (job.type === 'rollback') {
    if (original === null) throw new LpaError('LPA_ERR_INTERNAL', 'a rollback job needs its original job');
    return rollbackOperation(original, store);
  }
  if (request === null) throw new LpaError('LPA_ERR_INTERNAL', 'a job needs its request');
  return operationForRequest(request);
}
