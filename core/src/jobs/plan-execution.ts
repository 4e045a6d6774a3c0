import type { OperationContext, PackageManagerBackend, PackageSpec } from '../contracts/backend.js';
import type { PlannedChange } from '../contracts/job.js';

/** What carrying out a plan asks of the backend: removals by name, everything else as name+version pins. */
export interface PlanSteps {
  remove: string[];
  install: Required<PackageSpec>[];
}

export function planSteps(plan: readonly PlannedChange[]): PlanSteps {
  const remove: string[] = [];
  const install: Required<PackageSpec>[] = [];
  for (const change of plan) {
    if (change.action === 'removed') remove.push(change.name);
    else if (change.to_version !== null) install.push({ name: change.name, version: change.to_version });
  }
  return { remove, install };
}

/** The job's log line saying what a matched plan runs, in name order. */
export function describePlanSteps(plan: readonly PlannedChange[]): string {
  const { remove, install } = planSteps(plan);
  install.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  remove.sort();
  const parts = [
    ...(install.length > 0 ? [`install pinned ${install.map((spec) => `${spec.name} ${spec.version}`).join(', ')}`] : []),
    ...(remove.length > 0 ? [`remove ${remove.join(', ')}`] : []),
  ];
  return `applying the plan If-Match names: ${parts.length > 0 ? parts.join('; ') : 'nothing to change'}`;
}

/**
 * One context per step, each mapping its own 0–100 into its share of the operation's progress, so a
 * job that runs the package manager twice still moves forward once.
 */
export function stepContexts(ctx: OperationContext, steps: number): () => OperationContext {
  let step = 0;
  return () => {
    const offset = (step / steps) * 100;
    step += 1;
    return { ...ctx, onProgress: (percent, message) => ctx.onProgress(offset + percent / steps, message) };
  };
}

/**
 * Carries out a plan that was checked under the lock (If-Match, SPEC §12.2) instead of resolving the
 * request again: planned removals are removed, and every planned install, upgrade and downgrade
 * (dependencies included) goes through the backend's versioned install as an exact name+version pin,
 * so the package manager installs the planned versions even if its index offers newer ones by now.
 * Removals come first, as in a rollback, so a planned replacement of a conflicting package works.
 * `requested` are the packages the request names: the others keep their install reason
 * (`installPlanned`, where the backend has it). An empty plan runs nothing. The returned function
 * may be called again (the retry after a download failure): a removal that went through is not
 * repeated.
 */
export function planExecution(
  backend: PackageManagerBackend,
  plan: readonly PlannedChange[],
  requested: readonly string[],
): (ctx: OperationContext) => Promise<void> {
  const { remove, install } = planSteps(plan);
  let removed = false;
  return async (ctx) => {
    const steps = (remove.length > 0 && !removed ? 1 : 0) + (install.length > 0 ? 1 : 0);
    if (steps === 0) {
      ctx.onProgress(100, 'the plan has no changes');
      return;
    }
    const next = stepContexts(ctx, steps);
    if (remove.length > 0 && !removed) {
      await backend.remove(remove, next());
      removed = true;
    }
    if (install.length === 0) return;
    if (backend.installPlanned === undefined) await backend.install(install, next());
    else await backend.installPlanned(install, requested, next());
  };
}
