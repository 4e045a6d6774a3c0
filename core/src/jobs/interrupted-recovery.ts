import { setTimeout as sleep } from 'node:timers/promises';
import type { AuditTrail } from '../audit/trail.js';
import type { OperationContext, PackageManagerBackend, RepairOutcome } from '../contracts/backend.js';
import type { Logger } from '../contracts/logger.js';
import { isLpaError } from '../errors.js';
import { type ProcessStat, processGroupMembers, readCommandLine, readProcessStat } from '../system/process-table.js';
import { diffInstalled } from './changes.js';
import type { JobFile, JobStore } from './job-store.js';
import type { MutationLock } from './mutation-lock.js';

export interface InterruptedRecoveryOptions {
  backend: PackageManagerBackend;
  store: JobStore;
  lock: MutationLock;
  audit: () => AuditTrail;
  logger: Logger;
  /** How long an orphaned package manager may go on before it is stopped, and how long a repair retries on a held lock. */
  boundMs: number;
  /** Between SIGTERM and SIGKILL to an orphaned process group. */
  killGraceMs: number;
  repairContext: () => OperationContext;
}

/** A package-manager process a job started that outlived the agent that started it. */
export interface OrphanProcess {
  pid: number;
  pgid: number;
  command: string | null;
}

export type OrphanOutcome = 'none' | 'exited' | 'stopped' | 'killed' | 'still_running';

const POLL_MS = 200;

/**
 * The live members of the process groups the jobs' package managers led. A leader that is alive
 * with another start time than recorded is a later process given the same pid, not ours; a group
 * whose leader is gone is still ours (Linux does not hand out a pid while a group of that id exists).
 */
export async function findOrphans(jobs: readonly JobFile[]): Promise<OrphanProcess[]> {
  const recorded = jobs.flatMap((job) => job.package_manager ?? []);
  const groups = new Map(recorded.map((process) => [process.pgid, process]));
  const members = await processGroupMembers(new Set(groups.keys()));
  const orphans: OrphanProcess[] = [];
  for (const [pgid, stats] of members) {
    const leader = stats.find((stat) => stat.pid === pgid);
    const expected = groups.get(pgid)?.start_ticks ?? null;
    if (leader !== undefined && expected !== null && leader.startTicks !== expected) continue;
    for (const stat of stats) orphans.push({ pid: stat.pid, pgid, command: await readCommandLine(stat.pid) });
  }
  return orphans;
}

async function anyAlive(orphans: readonly OrphanProcess[]): Promise<boolean> {
  for (const orphan of orphans) {
    const stat: ProcessStat | null = await readProcessStat(orphan.pid);
    if (stat !== null && stat.pgrp === orphan.pgid) return true;
  }
  return false;
}

async function waitUntilGone(orphans: readonly OrphanProcess[], boundMs: number): Promise<boolean> {
  const deadline = Date.now() + boundMs;
  for (;;) {
    if (!(await anyAlive(orphans))) return true;
    if (Date.now() >= deadline) return false;
    await sleep(POLL_MS);
  }
}

function signalGroups(orphans: readonly OrphanProcess[], signal: NodeJS.Signals): void {
  for (const pgid of new Set(orphans.map((orphan) => orphan.pgid))) {
    try {
      process.kill(-pgid, signal);
    } catch {
      /* the group is gone */
    }
  }
}

/** Lets the orphans finish for up to `boundMs`, then stops their groups: SIGTERM, a grace period, SIGKILL. */
export async function settleOrphans(
  orphans: readonly OrphanProcess[],
  boundMs: number,
  killGraceMs: number,
): Promise<OrphanOutcome> {
  if (orphans.length === 0) return 'none';
  if (await waitUntilGone(orphans, boundMs)) return 'exited';
  signalGroups(orphans, 'SIGTERM');
  if (await waitUntilGone(orphans, killGraceMs)) return 'stopped';
  signalGroups(orphans, 'SIGKILL');
  return (await waitUntilGone(orphans, killGraceMs)) ? 'killed' : 'still_running';
}

/** The backend's repair, tried again while another process still holds the package-manager lock. */
async function repairWithRetry(options: InterruptedRecoveryOptions): Promise<RepairOutcome & { attempts: number }> {
  const deadline = Date.now() + options.boundMs;
  for (let attempts = 1; ; attempts += 1) {
    try {
      return { ...(await options.backend.repair(options.repairContext())), attempts };
    } catch (error) {
      if (!isLpaError(error, 'LPA_ERR_LOCKED') || Date.now() >= deadline) throw error;
      options.logger.warn({ err: error, attempts }, 'repair waits for the package-manager lock');
      await sleep(1000);
    }
  }
}

/**
 * After an unclean stop: the package managers of jobs that were running may have outlived the
 * agent. They are waited for (bounded) or stopped, the database is repaired (retried while the lock
 * is still held), and what really changed since each job's recorded installed set is audited as
 * `job_recovered`. Runs under the package-manager lock, so no new job starts before it is done.
 */
export async function recoverInterruptedJobs(running: readonly JobFile[], options: InterruptedRecoveryOptions): Promise<void> {
  if (running.length === 0) return;
  await options.lock.run(async () => {
    const orphans = await findOrphans(running);
    if (orphans.length > 0) options.logger.warn({ orphans }, 'package-manager processes of the previous agent are still running');
    const orphanOutcome = await settleOrphans(orphans, options.boundMs, options.killGraceMs);
    let repair: (RepairOutcome & { attempts: number }) | null = null;
    let repairError: string | null = null;
    try {
      repair = await repairWithRetry(options);
      options.logger.info(
        { needed: repair.needed, consistent: repair.consistent },
        'package database checked after an interrupted job',
      );
    } catch (error) {
      repairError = error instanceof Error ? error.message : String(error);
      options.logger.error({ err: error }, 'repair after an interrupted job failed');
    }
    const after = await options.backend.listInstalled().catch(() => null);
    for (const job of running) {
      const before = await options.store.readInstalledBefore(job.id);
      const changes =
        before === null || after === null
          ? null
          : diffInstalled(
              before.map((pkg) => ({ ...pkg, architecture: null, description: null, installed_size: null })),
              after,
              (a, b) => options.backend.compareVersions(a, b),
            );
      options.audit().record('job_recovered', {
        job_id: job.id,
        type: job.type,
        client: job.client_identity ?? job.client,
        ip: job.client_identity?.ip ?? null,
        orphans: orphans.filter((orphan) => (job.package_manager ?? []).some((process) => process.pgid === orphan.pgid)),
        orphan_outcome: orphanOutcome,
        repair:
          repair === null
            ? { needed: null, consistent: false, error: repairError }
            : { needed: repair.needed, consistent: repair.consistent, attempts: repair.attempts },
        changes,
      });
    }
  });
}
