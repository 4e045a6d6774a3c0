import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import {
  createFakePackageManager,
  type FakeDatabase,
  type FakePackageManager,
  type FakePackageManagerBackend,
} from '../../../test/support/fake-package-manager/index.js';
import { MemoryAuditTrail } from '../../src/audit/trail.js';
import { PackageCache } from '../../src/cache/package-cache.js';
import type { Logger } from '../../src/contracts/logger.js';
import { type AgentHooks, createHooks } from '../../src/hooks.js';
import { type JobLimits, JobManager, type JobManagerOptions } from '../../src/jobs/job-manager.js';
import { MutationLock } from '../../src/jobs/mutation-lock.js';
import { RollbackStore } from '../../src/rollback-store/rollback-store.js';
import { ProcessRunner } from '../../src/runner/process-runner.js';

export interface Harness {
  pm: FakePackageManager;
  backend: FakePackageManagerBackend;
  hooks: AgentHooks;
  audit: MemoryAuditTrail;
  lock: MutationLock;
  cache: PackageCache;
  jobs: JobManager;
  limits: JobLimits;
  stateDir: string;
  clock: { offsetMs: number };
  logger: Logger;
  cleanup(): Promise<void>;
}

export interface HarnessOptions {
  limits?: Partial<JobLimits>;
  db?: Partial<Omit<FakeDatabase, 'behaviour'>> & { behaviour?: FakeDatabase['behaviour'] };
  refreshTimeoutMs?: number;
  killGraceMs?: number;
  start?: boolean;
  beforeMutation?: JobManagerOptions['beforeMutation'];
  /** Give the job manager a rollback store in the state dir (default bounds). */
  rollbackStore?: boolean;
}

export const silentLogger = pino({ level: 'silent' }) as unknown as Logger;

/** A job manager over the fake package manager, the real ProcessRunner and a temporary state dir. */
export async function createHarness(options: HarnessOptions = {}): Promise<Harness> {
  const pm = await createFakePackageManager(options.db);
  const backend = pm.backend(new ProcessRunner(), options.killGraceMs ?? 300);
  const stateDir = await mkdtemp(join(tmpdir(), 'lpa-jobs-state-'));
  const hooks = createHooks();
  const audit = new MemoryAuditTrail();
  const lock = new MutationLock();
  const clock = { offsetMs: 0 };
  const now = () => new Date(Date.now() + clock.offsetMs);
  const limits: JobLimits = {
    max_concurrent: 5,
    timeout_seconds: 60,
    max_queued: 100,
    retention_seconds: 3600,
    lock_wait_seconds: 5,
    ...options.limits,
  };
  const cache = new PackageCache({
    stateDir,
    backend: () => backend,
    lock,
    hooks,
    logger: silentLogger,
    lockWaitSeconds: () => limits.lock_wait_seconds,
    now,
    ...(options.refreshTimeoutMs === undefined ? {} : { refreshTimeoutMs: options.refreshTimeoutMs }),
  });
  const jobs = new JobManager({
    stateDir,
    backend: () => backend,
    cache,
    lock,
    hooks,
    audit: () => audit,
    logger: silentLogger,
    limits: () => limits,
    now,
    ...(options.beforeMutation ? { beforeMutation: options.beforeMutation } : {}),
    ...(options.rollbackStore
      ? { rollbackStore: new RollbackStore(stateDir, () => ({ store_max_mb: 512, store_days: 14 }), silentLogger, now) }
      : {}),
  });
  if (options.start !== false) await jobs.start();
  return {
    pm,
    backend,
    hooks,
    audit,
    lock,
    cache,
    jobs,
    limits,
    stateDir,
    clock,
    logger: silentLogger,
    async cleanup() {
      await jobs.stop(5_000);
      await pm.cleanup();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/** Polls until `check` is true (bounded); no fixed sleeps. */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
