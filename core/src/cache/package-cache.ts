import type { PackageManagerBackend } from '../contracts/backend.js';
import type { Logger } from '../contracts/logger.js';
import { isLpaError, LpaError } from '../errors.js';
import type { AgentHooks, CacheRefreshOutcome } from '../hooks.js';
import type { MutationLock } from '../jobs/mutation-lock.js';
import { type CacheState, CacheStateStore, EMPTY_CACHE_STATE } from './cache-state-store.js';

export type CacheStatus = 'fresh' | 'stale' | 'unknown' | 'failed';

export const STALE_AFTER_MS = 4 * 60 * 60 * 1000;
export const REFRESH_TIMEOUT_MS = 120_000;
/** How long GET /health waits for the refresh it triggered (sync endpoints answer within 5 s). */
export const HEALTH_WAIT_MS = 4_000;
/** After a failed refresh, GET /health tries again only this much later (no refresh storm). */
export const FAILED_RETRY_AFTER_MS = 5 * 60 * 1000;

export interface PackageCacheOptions {
  stateDir: string;
  backend: () => PackageManagerBackend | null;
  /** The package-manager lock shared with the job manager: a refresh never overlaps a mutation. */
  lock: MutationLock;
  hooks: AgentHooks;
  logger: Logger;
  lockWaitSeconds: () => number;
  now?: () => Date;
  refreshTimeoutMs?: number;
  staleAfterMs?: number;
  healthWaitMs?: number;
  failedRetryAfterMs?: number;
}

interface SharedRefresh {
  promise: Promise<CacheRefreshOutcome>;
  resolve(outcome: CacheRefreshOutcome): void;
  started: boolean;
}

function sharedRefresh(): SharedRefresh {
  let resolve!: (outcome: CacheRefreshOutcome) => void;
  const promise = new Promise<CacheRefreshOutcome>((done) => {
    resolve = done;
  });
  return { promise, resolve, started: false };
}

/**
 * The package index's freshness (SPEC §7): persisted state, 4 h staleness, refreshes that share
 * one run when requested together, a 120 s limit per refresh and the cacheRefresh hook after each.
 */
export class PackageCache {
  readonly #options: PackageCacheOptions;
  readonly #store: CacheStateStore;
  readonly #now: () => Date;
  #state: CacheState = { ...EMPTY_CACHE_STATE };
  #pending: SharedRefresh | null = null;
  /** When the last refresh of this run finished (not persisted: a restart may try again at once). */
  #lastAttemptAt: number | null = null;
  readonly #closing = new AbortController();

  constructor(options: PackageCacheOptions) {
    this.#options = options;
    this.#store = new CacheStateStore(options.stateDir);
    this.#now = options.now ?? (() => new Date());
  }

  async load(): Promise<void> {
    this.#state = await this.#store.load();
  }

  state(): CacheState {
    return { ...this.#state };
  }

  status(): CacheStatus {
    if (this.#state.last_update_success === false) return 'failed';
    if (this.#state.last_cache_update === null) return 'unknown';
    const age = this.#now().getTime() - Date.parse(this.#state.last_cache_update);
    return age > (this.#options.staleAfterMs ?? STALE_AFTER_MS) ? 'stale' : 'fresh';
  }

  /**
   * Refreshes the package index, or joins the refresh already under way. A caller that already
   * holds the package-manager lock (a patch_apply retrying after a fetch error) passes
   * `lockHeld` and runs the refresh itself, settling any caller still waiting for the lock.
   */
  refresh(trigger: string, options: { lockHeld?: boolean } = {}): Promise<CacheRefreshOutcome> {
    if (this.#closing.signal.aborted) return Promise.resolve(this.#stopping(trigger));
    let shared = this.#pending;
    if (shared === null) {
      const created = sharedRefresh();
      shared = created;
      this.#pending = created;
      if (!options.lockHeld) {
        this.#options.lock
          .run(() => this.#execute(created, trigger))
          .catch((error: unknown) => {
            this.#options.logger.error({ err: error }, 'package index refresh could not run');
          });
      }
    }
    if (options.lockHeld && !shared.started) void this.#execute(shared, trigger);
    return shared.promise;
  }

  /** For GET /health: refreshes a stale or never-refreshed cache, waiting a bounded time for it. */
  async health(): Promise<{ cache_status: CacheStatus; last_cache_update: string | null }> {
    const status = this.status();
    const retryFailed =
      status === 'failed' &&
      (this.#lastAttemptAt === null ||
        this.#now().getTime() - this.#lastAttemptAt > (this.#options.failedRetryAfterMs ?? FAILED_RETRY_AFTER_MS));
    // Without a backend there is nothing to refresh: report what is known rather than a failure.
    if ((status === 'stale' || status === 'unknown' || retryFailed) && this.#options.backend() !== null) {
      let timer: NodeJS.Timeout | undefined;
      const waited = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.#options.healthWaitMs ?? HEALTH_WAIT_MS);
      });
      await Promise.race([this.refresh('health'), waited]);
      clearTimeout(timer);
    }
    return { cache_status: this.status(), last_cache_update: this.#state.last_cache_update };
  }

  /**
   * Stops a refresh under way and waits for it (a bounded time: one still queued behind an
   * abandoned job's lock is not waited for), so nothing is written once the agent has stopped.
   */
  async close(waitMs = 10_000): Promise<void> {
    this.#closing.abort();
    const pending = this.#pending;
    if (pending === null) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([pending.promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
    clearTimeout(timer);
  }

  #stopping(trigger: string): CacheRefreshOutcome {
    return { success: false, finished_at: this.#now().toISOString(), error: 'the agent is stopping', trigger };
  }

  async #execute(shared: SharedRefresh, trigger: string): Promise<void> {
    if (shared.started) return;
    shared.started = true;
    let outcome: CacheRefreshOutcome;
    try {
      outcome = await this.#refreshNow(trigger);
    } finally {
      if (this.#pending === shared) this.#pending = null;
    }
    shared.resolve(outcome);
    try {
      await this.#options.hooks.cacheRefresh.promise(outcome);
    } catch (error) {
      this.#options.logger.error({ err: error }, 'cacheRefresh tap failed');
    }
  }

  async #refreshNow(trigger: string): Promise<CacheRefreshOutcome> {
    const timeoutMs = this.#options.refreshTimeoutMs ?? REFRESH_TIMEOUT_MS;
    if (this.#closing.signal.aborted) return this.#stopping(trigger);
    let error: string | null = null;
    try {
      const backend = this.#options.backend();
      if (backend === null) throw new LpaError('LPA_ERR_NO_BACKEND', 'no package-manager backend is selected');
      await backend.refreshCache({
        signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), this.#closing.signal]),
        timeoutMs,
        onProgress: () => {},
        onLog: () => {},
        lockWaitSeconds: this.#options.lockWaitSeconds(),
      });
    } catch (caught) {
      error = isLpaError(caught) ? caught.message : caught instanceof Error ? caught.message : String(caught);
      this.#options.logger.warn({ trigger, err: caught }, 'package index refresh failed');
    }
    const finishedAt = this.#now().toISOString();
    // A refresh cut short by stop() is not an outcome: the persisted state stays as it was.
    if (this.#closing.signal.aborted) return this.#stopping(trigger);
    this.#lastAttemptAt = this.#now().getTime();
    this.#state =
      error === null
        ? { last_cache_update: finishedAt, last_update_success: true }
        : { last_cache_update: this.#state.last_cache_update, last_update_success: false };
    try {
      await this.#store.save(this.#state);
    } catch (saveError) {
      this.#options.logger.error({ err: saveError }, 'could not save the package-cache state');
    }
    return { success: error === null, finished_at: finishedAt, error, trigger };
  }
}
