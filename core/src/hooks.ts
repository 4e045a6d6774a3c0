import { AsyncSeriesBailHook, AsyncSeriesHook, SyncHook } from 'tapable';
import type { Job, JobUpdateKind, PlannedChange } from './contracts/job.js';
import type { Logger } from './contracts/logger.js';

/** A tap's refusal of a mutating job: the job fails with this reason and nothing changes. */
export interface Veto {
  reason: string;
}

export interface CacheRefreshOutcome {
  success: boolean;
  /** RFC 3339; when the refresh finished. */
  finished_at: string;
  error: string | null;
  /** What triggered it: `health`, `patch_apply`, `retry`, `startup`. */
  trigger: string;
}

/** The hooks the core fires. Only the core calls them; plugins get PluginHooks. */
export interface AgentHooks {
  /** Before any mutating job touches the system; the first tap returning a Veto wins. */
  readonly beforeApply: AsyncSeriesBailHook<[Readonly<Job>, readonly PlannedChange[]], Veto | undefined>;
  /** After every package-index refresh, with its outcome. */
  readonly cacheRefresh: AsyncSeriesHook<[CacheRefreshOutcome]>;
  /** On every job state or progress change. Taps cannot block or break the job. */
  readonly onJobUpdate: SyncHook<[Readonly<Job>, JobUpdateKind]>;
}

type BeforeApplyTap = (job: Readonly<Job>, plan: readonly PlannedChange[]) => Promise<Veto | undefined> | Veto | undefined;
type CacheRefreshTap = (outcome: CacheRefreshOutcome) => Promise<void> | void;
type JobUpdateTap = (job: Readonly<Job>, kind: JobUpdateKind) => void;

/** The tap-only view plugins receive: no call/promise, and a tap's throw is contained. */
export interface PluginHooks {
  readonly beforeApply: { tap(name: string, fn: BeforeApplyTap): void };
  readonly cacheRefresh: { tap(name: string, fn: CacheRefreshTap): void };
  readonly onJobUpdate: { tap(name: string, fn: JobUpdateTap): void };
}

export function createHooks(): AgentHooks {
  return Object.freeze({
    beforeApply: new AsyncSeriesBailHook<[Readonly<Job>, readonly PlannedChange[]], Veto | undefined>(['job', 'plan']),
    cacheRefresh: new AsyncSeriesHook<[CacheRefreshOutcome]>(['outcome']),
    onJobUpdate: new SyncHook<[Readonly<Job>, JobUpdateKind]>(['job', 'kind']),
  });
}

function requireTapName(name: string): void {
  if (typeof name !== 'string' || name.length === 0) throw new TypeError('a hook tap needs a name');
}

/**
 * Builds the view plugins get. beforeApply taps may veto (a throw counts as a veto with the error's
 * message, so a broken guard fails safe); cacheRefresh and onJobUpdate taps that throw are logged
 * and skipped.
 */
export function createPluginHooks(hooks: AgentHooks, logger: Logger): PluginHooks {
  return Object.freeze({
    beforeApply: {
      tap(name: string, fn: BeforeApplyTap) {
        requireTapName(name);
        hooks.beforeApply.tapPromise(name, async (job, plan) => {
          try {
            return (await fn(job, plan)) ?? undefined;
          } catch (error) {
            logger.error({ tap: name, err: error }, 'beforeApply tap threw; treating it as a veto');
            return { reason: `${name}: ${error instanceof Error ? error.message : String(error)}` };
          }
        });
      },
    },
    cacheRefresh: {
      tap(name: string, fn: CacheRefreshTap) {
        requireTapName(name);
        hooks.cacheRefresh.tapPromise(name, async (outcome) => {
          try {
            await fn(outcome);
          } catch (error) {
            logger.error({ tap: name, err: error }, 'cacheRefresh tap threw');
          }
        });
      },
    },
    onJobUpdate: {
      tap(name: string, fn: JobUpdateTap) {
        requireTapName(name);
        hooks.onJobUpdate.tap(name, (job, kind) => {
          try {
            fn(job, kind);
          } catch (error) {
            logger.error({ tap: name, err: error }, 'onJobUpdate tap threw');
          }
        });
      },
    },
  });
}
