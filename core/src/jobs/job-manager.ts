import { randomUUID } from 'node:crypto';
import type { AuditTrail } from '../audit/trail.js';
import type { PackageCache } from '../cache/package-cache.js';
import type { ClientIdentity } from '../contracts/audit.js';
import type { InstalledPackage, OperationContext, PackageManagerBackend } from '../contracts/backend.js';
import type { RollbackVerdict } from '../contracts/job.js';
import {
  type Job,
  type JobStatus,
  type JobType,
  type JobUpdateKind,
  type PlannedChange,
  TERMINAL_JOB_STATUSES,
} from '../contracts/job.js';
import type { Logger } from '../contracts/logger.js';
import { isLpaError, LpaError, toLpaError } from '../errors.js';
import { forecastMatched, forecastRestarts, measureOutcome } from '../forecast/restart-forecast.js';
import type { AgentHooks } from '../hooks.js';
import { canonicalJson } from '../plans/canonical-json.js';
import { currentFingerprints, movedFingerprints, type PlanFingerprints, planHash, plannedRequest } from '../plans/plan-hash.js';
import type { RollbackStore } from '../rollback-store/rollback-store.js';
import { AvailabilityMemo, rollbackVerdict } from '../rollback-store/verdict.js';
import type { SpawnAttribution, SpawnedProcess } from '../runner/spawn-attribution.js';
import { readProcessStat } from '../system/process-table.js';
import { jobClientFields } from './audit-tap.js';
import { diffInstalled } from './changes.js';
import { recoverInterruptedJobs } from './interrupted-recovery.js';
import { isDeploymentRequest, isDryRun, type JobRequest, specsOf } from './job-request.js';
import { type JobFile, JobStore, type PackageManagerProcess } from './job-store.js';
import { watchForeignLock } from './lock-watch.js';
import { LogTail } from './log-tail.js';
import type { MutationLock } from './mutation-lock.js';
import { deploymentsOf, type JobOperation, operationFor } from './operations.js';
import { describePlanSteps, planExecution } from './plan-execution.js';
import { preflight } from './preflight.js';
import { inverseOf } from './rollback.js';

/** The `jobs:` section of the config, read afresh for every decision (it may be reloaded). */
export interface JobLimits {
  max_concurrent: number;
  timeout_seconds: number;
  max_queued: number;
  retention_seconds: number;
  lock_wait_seconds: number;
}

export interface JobManagerOptions {
  stateDir: string;
  backend: () => PackageManagerBackend | null;
  cache: PackageCache;
  lock: MutationLock;
  hooks: AgentHooks;
  /** Read on every use: the agent may replace its audit trail after the manager was built. */
  audit: () => AuditTrail;
  logger: Logger;
  limits: () => JobLimits;
  now?: () => Date;
  /** Limit for `backend.repair()` after a timeout or an interrupted run. */
  repairTimeoutMs?: number;
  /**
   * Runs under the package-manager lock right before a mutation starts the package manager (not
   * for dry runs or vetoed jobs); a rejection fails the job with nothing run.
   */
  beforeMutation?: (job: Readonly<Job>) => Promise<void>;
  /** Keeps the replaced and removed versions' package files (SPEC §12.6); null = no store. */
  rollbackStore?: RollbackStore | null;
  /**
   * Reports the processes the backend starts for a job, so the job file records the package
   * manager's pid and process group (the runner given to the plugins must be wrapped by it).
   */
  spawns?: SpawnAttribution;
  /** Between SIGTERM and SIGKILL when an orphaned package manager of an earlier run is stopped. */
  orphanKillGraceMs?: number;
}

export interface JobFilter {
  status?: JobStatus;
  type?: JobType;
}

/** While a rollback runs the agent is exclusive; clients are told to retry after this long. */
export const ROLLBACK_RETRY_AFTER_SECONDS = 10;
const REPAIR_TIMEOUT_MS = 10 * 60 * 1000;
const ORPHAN_KILL_GRACE_MS = 10_000;
/** Clients are told to retry this long after the state directory could not take a job record. */
const STATE_RETRY_AFTER_SECONDS = 30;
/** New output lines reach onJobUpdate (and the WebSocket) at most this often per job. */
const LOG_UPDATE_INTERVAL_MS = 250;

interface Entry {
  job: Job;
  request: JobRequest | null;
  /** For a rollback: the original job as it was when the rollback was accepted. */
  original: Job | null;
  controller: AbortController | null;
  done: Promise<void> | null;
  /** The certificate and address that asked for the job (the job itself shows only the CN). */
  identity: ClientIdentity | null;
  /** Package-manager processes started for the job, recorded in its file as each starts. */
  processes: PackageManagerProcess[];
  /** The plan_hash of If-Match: the job runs only if its plan, made again under the lock, has it. */
  ifMatch: string | null;
  /** What a planned job's plan_hash was computed from (the If-Match check compares against it). */
  fingerprints: PlanFingerprints | null;
  /** The files of the packages the forecast expects to replace, as they were when it was made. */
  filesBefore: Map<string, string[]> | null;
}

export interface SubmitOptions {
  requestId?: string | null;
  /** The plan_hash the client's If-Match header names (SPEC §12.2). */
  ifMatch?: string | null;
}

function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const isTerminal = (status: JobStatus) => TERMINAL_JOB_STATUSES.includes(status);

/** Reads from the package manager at submit time: an uncoded failure is a BACKEND_ERROR. */
function backendRead<T>(promise: Promise<T>): Promise<T> {
  return promise.catch((error: unknown) => {
    throw toLpaError(error, 'LPA_ERR_BACKEND');
  });
}

/** Resolves like `promise`, or rejects with the signal's reason once it aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * Owns every job (SPEC §6): the queue (max_concurrent running, max_queued pending), the timeout,
 * the measured changes, the durable intent record, persistence in state_dir/jobs, retention, the
 * rollback rules and exclusive mode. Package-manager processes run one at a time under the shared
 * MutationLock; reads never take it.
 */
export class JobManager {
  readonly #options: JobManagerOptions;
  readonly #store: JobStore;
  readonly #now: () => Date;
  readonly #entries = new Map<string, Entry>();
  readonly #queue: Entry[] = [];
  #running = 0;
  #accepting = true;
  #exclusiveJobId: string | null = null;
  #sweepTimer: NodeJS.Timeout | null = null;
  /** Jobs left running at stop: their records stay `running` on disk so the next start repairs. */
  readonly #abandoned = new Set<string>();
  /** Queue slots held by requests whose intent record is being written. */
  #reserved = 0;

  constructor(options: JobManagerOptions) {
    this.#options = options;
    this.#store = new JobStore(options.stateDir);
    this.#now = options.now ?? (() => new Date());
  }

  /**
   * Reads the records an earlier run left behind: jobs that were pending or running are written
   * to the audit log as interrupted, the backend repairs the database once if any was running,
   * then the directory is cleared (records do not survive a restart).
   */
  async start(): Promise<Job[]> {
    const { jobs, unreadable } = await this.#store.readAll();
    if (unreadable.length > 0) this.#options.logger.warn({ files: unreadable }, 'unreadable job records ignored');
    const interrupted = jobs.filter((job) => job.status === 'running' || job.status === 'pending');
    for (const job of interrupted) {
      this.#options.audit().record('job_interrupted', {
        job_id: job.id,
        type: job.type,
        status: job.status,
        request: job.request,
        ...jobClientFields(job.client_identity, job.client),
        started_at: job.started_at,
        package_manager: job.package_manager ?? [],
        phase: 'agent_start',
      });
    }
    const backend = this.#options.backend();
    if (backend !== null) {
      // Orphaned package managers are waited for or stopped, the database repaired, and what
      // changed since each job's recorded installed set audited, before any new job starts.
      await recoverInterruptedJobs(
        interrupted.filter((job) => job.status === 'running'),
        {
          backend,
          store: this.#store,
          lock: this.#options.lock,
          audit: this.#options.audit,
          logger: this.#options.logger,
          boundMs: this.#options.limits().lock_wait_seconds * 1000,
          killGraceMs: this.#options.orphanKillGraceMs ?? ORPHAN_KILL_GRACE_MS,
          repairContext: () => this.#repairContext(),
        },
      ).catch((error: unknown) => this.#options.logger.error({ err: error }, 'recovery after an interrupted job failed'));
    }
    await this.#store.clear();
    this.#scheduleSweep();
    return interrupted;
  }

  /**
   * Stops taking jobs; pending jobs fail as cancelled; running jobs get up to `boundMs` to finish,
   * after which they are recorded as interrupted and their package manager is stopped.
   */
  async stop(boundMs: number): Promise<void> {
    this.#accepting = false;
    if (this.#sweepTimer) clearInterval(this.#sweepTimer);
    for (const entry of this.#queue.splice(0)) {
      this.#finish(entry, 'failed', new LpaError('LPA_ERR_CANCELLED', 'the agent stopped before the job started'));
    }
    const running = [...this.#entries.values()].filter((entry) => entry.done !== null && entry.job.status === 'running');
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<'bound'>((resolve) => {
      timer = setTimeout(() => resolve('bound'), boundMs);
    });
    const outcome = await Promise.race([Promise.all(running.map((entry) => entry.done)).then(() => 'done' as const), bound]);
    clearTimeout(timer);
    if (outcome === 'bound') {
      const abandoned = running.filter((candidate) => candidate.job.status === 'running');
      for (const entry of abandoned) {
        this.#abandoned.add(entry.job.id);
        this.#options.audit().record('job_interrupted', {
          job_id: entry.job.id,
          type: entry.job.type,
          status: entry.job.status,
          request: entry.job.request,
          ...jobClientFields(entry.identity, entry.job.client),
          started_at: entry.job.started_at,
          package_manager: entry.processes,
          phase: 'agent_stop',
        });
        entry.controller?.abort(new LpaError('LPA_ERR_CANCELLED', 'the agent is stopping'));
      }
      // Their package managers got SIGTERM; give them a moment to go before the agent does.
      let settleTimer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(abandoned.map((entry) => entry.done)),
        new Promise((resolve) => {
          settleTimer = setTimeout(resolve, 5_000);
        }),
      ]);
      clearTimeout(settleTimer);
    }
    await this.#store.flush();
    await this.#options.audit().flush();
  }

  /** Accepts a job: validates, checks the queue, writes the durable intent record, queues it. */
  async submit(request: JobRequest, client: ClientIdentity | null, options: SubmitOptions | string | null = null): Promise<Job> {
    const { requestId = null, ifMatch = null } =
      typeof options === 'string' || options === null ? { requestId: options } : options;
    const backend = this.#requireBackend();
    this.#validate(backend, request);
    await backendRead(preflight(backend, request));
    this.#checkCapacity();
    const job = this.#newJob(request.type, { ...request }, client);
    delete job.request.type;
    if (ifMatch !== null) await this.#checkPrecondition(backend, job, ifMatch);
    const entry: Entry = {
      job,
      request,
      original: null,
      controller: null,
      done: null,
      ifMatch,
      fingerprints: null,
      filesBefore: null,
      identity: client,
      processes: [],
    };
    const mutates = !isDryRun(request);
    // Going back to the previous deployment is a rollback: the agent is exclusive while it runs.
    const exclusive = mutates && request.type === 'deployment_rollback';
    if (exclusive) this.#takeExclusive(job.id);
    const intent = {
      job_id: job.id,
      type: job.type,
      request: job.request,
      ...jobClientFields(client, null),
      request_id: requestId,
    };
    this.#reserved += 1;
    try {
      if (mutates) {
        await this.#writeAhead(entry);
        await this.#options
          .audit()
          .recordDurable('job_intent', intent)
          .catch(async (error: unknown) => {
            await this.#store.delete(job.id).catch(() => {});
            throw error;
          });
      } else this.#options.audit().record('job_intent', intent);
      // The agent may have begun stopping while the intent was written.
      this.#requireBackend();
    } catch (error) {
      if (exclusive) this.#exclusiveJobId = null;
      throw error;
    } finally {
      this.#reserved -= 1;
    }
    return this.#accept(entry);
  }

  #takeExclusive(jobId: string): void {
    const exclusive = this.exclusive();
    if (exclusive !== null) {
      throw new LpaError('LPA_ERR_ROLLBACK_IN_PROGRESS', `rollback ${exclusive.jobId} is in progress`, {
        retryAfter: exclusive.retryAfterSeconds,
      });
    }
    this.#exclusiveJobId = jobId;
  }

  /** Accepts a rollback of a completed or failed job; the agent is exclusive until it ends. */
  async rollback(id: string, client: ClientIdentity | null, requestId: string | null = null): Promise<Job> {
    this.#requireBackend();
    const original = this.#entries.get(id)?.job;
    if (original === undefined) throw new LpaError('LPA_ERR_NOT_FOUND', `no job ${id}`);
    if (original.type === 'rollback') throw new LpaError('LPA_ERR_CONFLICT', 'a rollback cannot be rolled back');
    if (original.status !== 'completed' && original.status !== 'failed') {
      throw new LpaError('LPA_ERR_CONFLICT', `only completed or failed jobs can be rolled back; this one is ${original.status}`);
    }
    if (original.rolled_back_by !== null) {
      throw new LpaError('LPA_ERR_CONFLICT', `job ${id} was already rolled back by ${original.rolled_back_by}`, {
        details: { rolled_back_by: original.rolled_back_by },
      });
    }
    if (original.changes.length === 0)
      throw new LpaError('LPA_ERR_CONFLICT', `job ${id} changed nothing; there is nothing to roll back`);
    this.#checkCapacity();
    const verdict = await this.verdict(original);
    if (verdict !== null && !verdict.possible) {
      throw new LpaError('LPA_ERR_ROLLBACK_IMPOSSIBLE', `job ${id} cannot be rolled back: ${verdict.reason}`, {
        details: { packages: verdict.packages },
      });
    }
    // Checked again after the wait: another request may have been accepted meanwhile.
    this.#checkCapacity();
    if (original.rolled_back_by !== null) {
      throw new LpaError('LPA_ERR_CONFLICT', `job ${id} was already rolled back by ${original.rolled_back_by}`, {
        details: { rolled_back_by: original.rolled_back_by },
      });
    }
    const inverse = inverseOf(original.changes);
    const job = this.#newJob('rollback', { job_id: id }, client);
    job.rollback_of = id;
    const entry: Entry = {
      job,
      request: null,
      original: structuredClone(original),
      controller: null,
      done: null,
      identity: client,
      processes: [],
      ifMatch: null,
      fingerprints: null,
      filesBefore: null,
    };
    // Taken before the intent write so that two rollbacks of the same job can never both pass.
    this.#takeExclusive(job.id);
    original.rolled_back_by = job.id;
    this.#reserved += 1;
    try {
      await this.#writeAhead(entry);
      await this.#options.audit().recordDurable('job_intent', {
        job_id: job.id,
        type: 'rollback',
        rollback_of: id,
        remove: inverse.remove,
        install: inverse.install,
        ...jobClientFields(client, null),
        request_id: requestId,
      });
    } catch (error) {
      await this.#store.delete(job.id).catch(() => {});
      original.rolled_back_by = null;
      this.#exclusiveJobId = null;
      throw error;
    } finally {
      this.#reserved -= 1;
    }
    this.#persist(original);
    this.#emit(original, 'updated');
    return this.#accept(entry);
  }

  /** The rollback that makes the agent exclusive right now, or null. */
  exclusive(): { jobId: string; retryAfterSeconds: number } | null {
    return this.#exclusiveJobId === null
      ? null
      : { jobId: this.#exclusiveJobId, retryAfterSeconds: ROLLBACK_RETRY_AFTER_SECONDS };
  }

  /** The job's rollback verdict as of now: the store and the repositories change (SPEC §12.6). */
  async verdict(job: Readonly<Job>, memo?: AvailabilityMemo): Promise<RollbackVerdict | null> {
    const backend = this.#options.backend();
    if (backend === null) return job.rollback ?? null;
    return rollbackVerdict(job, backend, this.#options.rollbackStore ?? null, undefined, false, memo);
  }

  /** One job with its rollback verdict recomputed (finished jobs with changes only). */
  async getWithVerdict(id: string): Promise<Job | null> {
    const job = this.get(id);
    if (job !== null) await this.#refreshVerdict(job, new AvailabilityMemo());
    return job;
  }

  /**
   * The list with every verdict recomputed as getWithVerdict does. Kept versions are looked up in
   * the store's index (no process); the backend is asked once per other name and version.
   */
  async listWithVerdicts(filter: JobFilter = {}): Promise<Job[]> {
    const jobs = this.list(filter);
    const memo = new AvailabilityMemo();
    for (const job of jobs) await this.#refreshVerdict(job, memo);
    return jobs;
  }

  async #refreshVerdict(job: Job, memo: AvailabilityMemo): Promise<void> {
    // A dry run changed nothing: its verdict is the prediction made with its plan.
    if (job.finished_at === null || job.rollback === undefined || job.changes.length === 0) return;
    try {
      job.rollback = await this.verdict(job, memo);
    } catch (error) {
      this.#options.logger.warn({ err: error, job_id: job.id }, 'could not recompute the rollback verdict');
    }
  }

  /** The certificate and address behind a job, for its audit records; null when unknown. */
  clientIdentity(id: string): ClientIdentity | null {
    return this.#entries.get(id)?.identity ?? null;
  }

  get(id: string): Job | null {
    this.sweep();
    const entry = this.#entries.get(id);
    return entry === undefined ? null : this.#copy(entry.job);
  }

  /** Jobs newest first, optionally filtered by status and type. */
  list(filter: JobFilter = {}): Job[] {
    this.sweep();
    return [...this.#entries.values()]
      .map((entry) => entry.job)
      .filter(
        (job) =>
          (filter.status === undefined || job.status === filter.status) &&
          (filter.type === undefined || job.type === filter.type),
      )
      .reverse()
      .map((job) => this.#copy(job));
  }

  /** When the last job that changed something finished (for /system/info), or null. */
  lastChangeTime(): string | null {
    let latest: string | null = null;
    for (const { job } of this.#entries.values()) {
      if (job.finished_at !== null && job.changes.length > 0 && (latest === null || job.finished_at > latest))
        latest = job.finished_at;
    }
    return latest;
  }

  /** Forgets finished jobs older than retention_seconds, in memory and on disk. */
  sweep(): void {
    const cutoff = this.#now().getTime() - this.#options.limits().retention_seconds * 1000;
    for (const [id, entry] of this.#entries) {
      const finished = entry.job.finished_at;
      if (finished === null || !isTerminal(entry.job.status) || Date.parse(finished) > cutoff) continue;
      this.#entries.delete(id);
      this.#store
        .delete(id)
        .catch((error: unknown) => this.#options.logger.error({ err: error, job_id: id }, 'could not delete a job record'));
    }
  }

  /** Resolves when every accepted job has finished (tests and shutdown). */
  async idle(): Promise<void> {
    for (;;) {
      const open = [...this.#entries.values()].filter((entry) => !isTerminal(entry.job.status));
      if (open.length === 0) return;
      await Promise.all(open.map((entry) => entry.done ?? new Promise((resolve) => setTimeout(resolve, 20))));
    }
  }

  #requireBackend(): PackageManagerBackend {
    if (!this.#accepting) throw new LpaError('LPA_ERR_CANCELLED', 'the agent is stopping and takes no new jobs');
    const backend = this.#options.backend();
    if (backend === null) throw new LpaError('LPA_ERR_NO_BACKEND', 'no package-manager backend is selected');
    return backend;
  }

  #validate(backend: PackageManagerBackend, request: JobRequest): void {
    if (isDeploymentRequest(request)) {
      const deployments = deploymentsOf(backend);
      const problem = request.type === 'deployment_rebase' ? deployments.validateRef(request.ref) : null;
      if (problem !== null) {
        throw new LpaError('LPA_ERR_VALIDATION', 'invalid ref', { details: { issues: [{ path: 'ref', message: problem }] } });
      }
      return;
    }
    if (request.type !== 'patch_apply' && backend.deployments?.packageLayering === false) {
      throw new LpaError(
        'LPA_ERR_NOT_SUPPORTED',
        'this host is managed as whole deployments and cannot layer packages; apply an image update or rebase instead',
      );
    }
    const issues: { path: string; message: string }[] = [];
    // Paths name the field as the client sent it.
    const where = (index: number, field: 'name' | 'version') =>
      request.type === 'package_install'
        ? `packages.${index}.${field}`
        : request.type === 'patch_apply'
          ? `packages.${index}`
          : field;
    specsOf(request).forEach((spec, index) => {
      const nameProblem = backend.validateName(spec.name);
      if (nameProblem !== null) issues.push({ path: where(index, 'name'), message: nameProblem });
      if (spec.version !== undefined) {
        const versionProblem = backend.validateVersion(spec.version);
        if (versionProblem !== null) issues.push({ path: where(index, 'version'), message: versionProblem });
      }
    });
    if (issues.length > 0) throw new LpaError('LPA_ERR_VALIDATION', 'invalid package name or version', { details: { issues } });
  }

  /**
   * If-Match names the plan_hash of a dry run this agent made for the same request; the installed
   * set and the package index must still be what that plan was made from. Anything else is 412 at
   * once (a hash this agent does not know, e.g. from before a restart, cannot be checked either).
   */
  async #checkPrecondition(backend: PackageManagerBackend, job: Job, ifMatch: string): Promise<void> {
    const planned = [...this.#entries.values()].find(
      (candidate) =>
        candidate.job.plan_hash === ifMatch && candidate.fingerprints !== null && candidate.job.status === 'completed',
    );
    if (planned === undefined || planned.fingerprints === null) {
      throw new LpaError('LPA_ERR_PRECONDITION_FAILED', 'If-Match names no plan this agent made (or it expired)', {
        details: { if_match: ifMatch },
      });
    }
    const sameRequest =
      planned.job.type === job.type &&
      canonicalJson(plannedRequest(planned.job.request)) === canonicalJson(plannedRequest(job.request));
    if (!sameRequest) {
      throw new LpaError('LPA_ERR_PRECONDITION_FAILED', `the plan ${ifMatch} was made for a different request`, {
        details: { if_match: ifMatch, plan_job_id: planned.job.id },
      });
    }
    const moved = movedFingerprints(planned.fingerprints, await backendRead(currentFingerprints(backend)));
    if (moved.length > 0) {
      throw new LpaError(
        'LPA_ERR_PRECONDITION_FAILED',
        `the ${moved.map((key) => key.replace('_', ' ')).join(' and ')} changed since the plan was made`,
        { details: { if_match: ifMatch, plan_job_id: planned.job.id, moved } },
      );
    }
  }

  /** Plans a job and computes its plan_hash (SPEC §12.2). */
  async #planWithHash(
    entry: Entry,
    operation: JobOperation,
    backend: PackageManagerBackend,
    signal: AbortSignal,
  ): Promise<{ changes: PlannedChange[]; hash: string }> {
    const fingerprints = await currentFingerprints(backend, signal);
    const { changes, deployment } = await operation.plan(backend, signal);
    const info = backend.info();
    const hash = planHash({
      backend: { name: info.packageManager, root: info.root },
      request: { type: entry.job.type, ...plannedRequest(entry.job.request) },
      changes,
      fingerprints,
    });
    entry.fingerprints = fingerprints;
    entry.job.plan = changes;
    if (deployment !== null) entry.job.deployment = deployment;
    entry.job.plan_hash = hash;
    await this.#forecast(entry, backend, changes, signal);
    this.#emit(entry.job, 'updated');
    return { changes, hash };
  }

  /** The plan's reboot and restart forecast (SPEC §12.5), where the backend can make one; never fails the job. */
  async #forecast(entry: Entry, backend: PackageManagerBackend, plan: PlannedChange[], signal: AbortSignal): Promise<void> {
    const facet = backend.restartForecast;
    if (facet === undefined) return;
    try {
      const { forecast, filesBefore } = await forecastRestarts(facet, backend.info().root, plan, signal);
      entry.job.forecast = forecast;
      entry.filesBefore = filesBefore;
    } catch (error) {
      if (signal.aborted) throw error;
      this.#options.logger.warn({ err: error, job_id: entry.job.id }, 'could not forecast reboots and restarts');
    }
  }

  /**
   * Without a forecast, the files of the packages the job will replace, as they are before it: the
   * outcome needs them to find processes and units of packages that are gone afterwards.
   */
  async #recordFilesBefore(entry: Entry, backend: PackageManagerBackend, signal: AbortSignal): Promise<void> {
    const facet = backend.restartForecast;
    if (facet === undefined || entry.filesBefore !== null) return;
    try {
      // A rollback replaces or removes every package the original job left installed.
      const names =
        entry.job.type === 'rollback'
          ? (entry.original?.changes ?? []).filter((c) => c.to_version !== null).map((c) => c.name)
          : await this.#replacedNames(entry, backend, signal);
      entry.filesBefore = await facet.packageFiles(names, signal);
    } catch (error) {
      if (signal.aborted) throw error;
      this.#options.logger.warn({ err: error, job_id: entry.job.id }, 'could not read the package files before the job');
    }
  }

  /** The reboot and restart outcome of the measured changes, compared with the forecast where there is one. */
  async #measureOutcome(entry: Entry, backend: PackageManagerBackend): Promise<void> {
    const facet = backend.restartForecast;
    const { job } = entry;
    if (facet === undefined) return;
    try {
      job.outcome = await measureOutcome(facet, backend.info().root, job.changes, entry.filesBefore ?? new Map());
      job.forecast_matched = job.forecast ? forecastMatched(job.forecast, job.outcome) : null;
    } catch (error) {
      this.#options.logger.warn({ err: error, job_id: job.id }, 'could not measure reboots and restarts after the job');
    }
  }

  #checkCapacity(): void {
    const { max_queued } = this.#options.limits();
    const waiting = this.#queue.length + this.#reserved;
    if (waiting >= max_queued) {
      throw new LpaError('LPA_ERR_QUEUE_FULL', `${waiting} jobs are already waiting (max_queued ${max_queued})`, {
        retryAfter: 5,
      });
    }
  }

  #newJob(type: JobType, request: Record<string, unknown>, client: ClientIdentity | null): Job {
    return {
      id: randomUUID(),
      type,
      status: 'pending',
      progress: 0,
      progress_message: null,
      created_at: rfc3339(this.#now()),
      started_at: null,
      finished_at: null,
      request,
      client: client?.cn ?? null,
      changes: [],
      plan: null,
      plan_hash: null,
      log: [],
      error: null,
      rollback_of: null,
      rolled_back_by: null,
      waiting: null,
    };
  }

  /** Queues an accepted job; returns it as accepted (pending), before it may start. */
  #accept(entry: Entry): Job {
    this.#entries.set(entry.job.id, entry);
    this.#queue.push(entry);
    this.#persist(entry.job);
    this.#emit(entry.job, 'created');
    const accepted = this.#copy(entry.job);
    this.#pump();
    return accepted;
  }

  #pump(): void {
    while (this.#accepting && this.#running < this.#options.limits().max_concurrent && this.#queue.length > 0) {
      const entry = this.#queue.shift() as Entry;
      this.#running += 1;
      entry.done = this.#run(entry)
        .catch((error: unknown) => this.#options.logger.error({ err: error, job_id: entry.job.id }, 'job runner failed'))
        .finally(() => {
          this.#running -= 1;
          if (this.#exclusiveJobId === entry.job.id) this.#exclusiveJobId = null;
          this.#pump();
        });
    }
  }

  async #run(entry: Entry): Promise<void> {
    const { job } = entry;
    const limits = this.#options.limits();
    const backend = this.#options.backend();
    const controller = new AbortController();
    entry.controller = controller;
    const timeoutMs = limits.timeout_seconds * 1000;
    const deadline = Date.now() + timeoutMs;
    const timer = setTimeout(
      () => controller.abort(new LpaError('LPA_ERR_TIMEOUT', `the job ran longer than ${limits.timeout_seconds} s`)),
      timeoutMs,
    );
    job.status = 'running';
    job.started_at = rfc3339(this.#now());
    this.#persist(job);
    this.#emit(job, 'started');
    const log = new LogTail(job.log);
    try {
      if (backend === null) throw new LpaError('LPA_ERR_NO_BACKEND', 'no package-manager backend is selected');
      const operation = operationFor(job, entry.request, entry.original, this.#options.rollbackStore ?? null);
      await this.#perform(entry, operation, backend, controller.signal, deadline, log);
      job.progress = 100;
      this.#finish(entry, 'completed', null);
    } catch (error) {
      const reason = controller.signal.aborted ? controller.signal.reason : error;
      const timedOut = isLpaError(reason, 'LPA_ERR_TIMEOUT');
      this.#finish(entry, timedOut ? 'timed_out' : 'failed', toLpaError(reason, 'LPA_ERR_BACKEND'));
    } finally {
      clearTimeout(timer);
    }
  }

  async #perform(
    entry: Entry,
    operation: JobOperation,
    backend: PackageManagerBackend,
    signal: AbortSignal,
    deadline: number,
    log: LogTail,
  ): Promise<void> {
    const { job } = entry;
    const progress = this.#progressMapper(job);
    if (operation.refreshFirst) {
      const outcome = await this.#options.cache.refresh('patch_apply');
      signal.throwIfAborted();
      if (!outcome.success)
        throw new LpaError('LPA_ERR_BACKEND', `the package index refresh failed: ${outcome.error ?? 'unknown error'}`);
      progress(0, 10)(100);
    }
    await operation.check?.(backend, signal);
    if (operation.heldBack !== undefined) {
      job.held_back = await operation.heldBack(backend, signal);
      this.#emit(job, 'updated');
    }
    const { beforeApply } = this.#options.hooks;
    const judge = async (plan: PlannedChange[]) => {
      // A tap that never answers cannot hold the job past its timeout.
      const veto = await untilAborted(beforeApply.promise(this.#copy(job), plan), signal);
      if (veto !== undefined) {
        // A veto keeps back every package the plan would have changed.
        job.held_back = [
          ...(job.held_back ?? []),
          ...plan.map((change) => ({ name: change.name, reason: 'policy' as const, detail: `beforeApply veto: ${veto.reason}` })),
        ];
        throw new LpaError('LPA_ERR_VETOED', veto.reason, { details: { reason: veto.reason } });
      }
      signal.throwIfAborted();
    };
    // Planning is a full dependency resolution by the package manager: done for a dry run, whose
    // result it is, and for beforeApply taps, which judge it; otherwise the measured changes are the
    // record and the job does not pay for a second resolution. A job with If-Match plans again
    // under the lock (below), so that nothing can move between the comparison and the change.
    if (entry.ifMatch === null && (!operation.mutates || beforeApply.isUsed())) {
      const { changes } = await this.#planWithHash(entry, operation, backend, signal);
      if (!operation.mutates) {
        await this.#predictVerdict(job, changes, backend, signal);
        return;
      }
      await judge(changes);
    }

    await this.#options.lock.run(async () => {
      // With If-Match the checked plan itself is what runs (SPEC §12.2), where packages can be pinned.
      let matchedPlan: PlannedChange[] | null = null;
      if (entry.ifMatch !== null) {
        const { changes, hash } = await this.#planWithHash(entry, operation, backend, signal);
        if (hash !== entry.ifMatch) {
          throw new LpaError(
            'LPA_ERR_PLAN_CHANGED',
            'the plan made now differs from the plan If-Match names; nothing was changed',
            {
              details: { if_match: entry.ifMatch, plan_hash: hash },
            },
          );
        }
        if (beforeApply.isUsed()) await judge(changes);
        if (backend.deployments === undefined) matchedPlan = changes;
      }
      const before = await this.#inventory(backend);
      // Write-ahead: the job file (running, with the installed set it starts from) and the
      // self-upgrade marker are on disk before the package manager starts, or it never starts.
      await this.#writeAhead(entry, before);
      await this.#options.beforeMutation?.(this.#copy(job));
      let failure: unknown = null;
      const stopWatching = watchForeignLock(
        backend,
        (waiting) => {
          job.waiting = waiting;
          this.#emit(job, 'updated');
        },
        this.#now,
      );
      try {
        if (operation.mutates && job.type !== 'rollback') await this.#keepForRollback(entry, backend, before, signal);
        if (operation.mutates) await this.#recordFilesBefore(entry, backend, signal);
        const ctx = this.#operationContext(job, signal, deadline, progress(10, 95), log);
        if (matchedPlan !== null) log.push(describePlanSteps(matchedPlan));
        const runPlan = matchedPlan === null ? null : planExecution(backend, matchedPlan, operation.requested ?? []);
        const execute = () => this.#attributed(entry, () => (runPlan === null ? operation.execute(backend, ctx) : runPlan(ctx)));
        try {
          await execute();
        } catch (error) {
          if (!operation.refreshFirst || signal.aborted || !this.#isFetchFailure(backend, error)) throw error;
          log.push('download failed; refreshing the package index and retrying once');
          const outcome = await this.#options.cache.refresh('retry', { lockHeld: true });
          if (!outcome.success) throw error;
          await execute();
        }
      } catch (error) {
        failure = error;
        // A job abandoned at agent stop is repaired by the next start, not on the way out.
        if (signal.aborted && !this.#abandoned.has(job.id)) await this.#repairAfterStop(backend, log);
      } finally {
        stopWatching();
        if (job.waiting) {
          job.waiting = null;
          this.#emit(job, 'updated');
        }
        await this.#measureChanges(job, backend, before);
        await this.#measureOutcome(entry, backend);
        if (job.type !== 'rollback') await this.#recordVerdict(job);
      }
      if (failure !== null) throw failure;
    }, signal);
  }

  /**
   * Keeps the installed versions the job is about to replace or remove in the rollback store. A
   * failure to keep never fails the job: its verdict says so.
   */
  async #keepForRollback(entry: Entry, backend: PackageManagerBackend, before: InstalledPackage[], signal: AbortSignal) {
    const store = this.#options.rollbackStore;
    const files = backend.rollbackFiles;
    if (store === undefined || store === null || files === undefined || backend.deployments !== undefined) return;
    const { job } = entry;
    const wanted = new Set(await this.#replacedNames(entry, backend, signal));
    try {
      await store.keep(
        job.id,
        before.filter((p) => wanted.has(p.name) && p.status === 'installed'),
        files,
        signal,
      );
    } catch (error) {
      if (signal.aborted) throw error;
      this.#options.logger.warn({ err: error, job_id: job.id }, 'could not keep package files for rollback');
    }
  }

  /**
   * The installed packages a job is about to replace or remove: named exactly by the plan when there
   * is one; otherwise the request's targets (for a patch apply, the packages with updates).
   */
  async #replacedNames(entry: Entry, backend: PackageManagerBackend, signal: AbortSignal): Promise<string[]> {
    const { job, request } = entry;
    if (job.plan !== null) return job.plan.filter((c) => c.from_version !== null).map((c) => c.name);
    if (request === null) return [];
    if (request.type === 'package_install') return request.packages.map((p) => p.name);
    if (request.type === 'package_update' || request.type === 'package_remove') return [request.name];
    if (request.type === 'patch_apply')
      return (
        request.packages?.map((p) => (typeof p === 'string' ? p : p.name)) ??
        (await backend.listUpgrades(signal)).filter((u) => !request.security_only || u.security !== false).map((u) => u.name)
      );
    return [];
  }

  /** A dry run's predicted verdict: what a rollback of the planned changes would use (SPEC §12.2). */
  async #predictVerdict(job: Job, plan: PlannedChange[], backend: PackageManagerBackend, signal: AbortSignal) {
    try {
      job.rollback = await rollbackVerdict({ ...job, changes: plan }, backend, this.#options.rollbackStore ?? null, signal, true);
    } catch (error) {
      if (signal.aborted) throw error;
      this.#options.logger.warn({ err: error, job_id: job.id }, 'could not predict the rollback verdict');
    }
  }

  async #recordVerdict(job: Job): Promise<void> {
    try {
      job.rollback = await this.verdict(job);
    } catch (error) {
      this.#options.logger.warn({ err: error, job_id: job.id }, 'could not compute the rollback verdict');
    }
  }

  /**
   * The job file, durably, before anything depends on it: at acceptance (refusing the request when
   * state_dir cannot take it) and before the package manager starts (failing the job, nothing run).
   */
  async #writeAhead(entry: Entry, installedBefore?: readonly InstalledPackage[]): Promise<void> {
    try {
      if (installedBefore !== undefined) await this.#store.saveInstalledBefore(entry.job.id, installedBefore);
      await this.#store.save(this.#fileOf(entry, entry.job), { durable: true });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.#options.logger.error({ err: error, job_id: entry.job.id }, 'the job record could not be written ahead');
      throw new LpaError(
        'LPA_ERR_STATE_UNAVAILABLE',
        `the job record cannot be written to the state directory (${reason}), so nothing was started`,
        { details: { dir: this.#store.dir }, retryAfter: STATE_RETRY_AFTER_SECONDS, cause: error },
      );
    }
  }

  /** Runs a backend call; each process it starts is recorded in the job file (pid and process group). */
  #attributed<T>(entry: Entry, task: () => Promise<T>): Promise<T> {
    const spawns = this.#options.spawns;
    if (spawns === undefined) return task();
    return spawns.within((spawned) => void this.#recordProcess(entry, spawned), task);
  }

  async #recordProcess(entry: Entry, spawned: SpawnedProcess): Promise<void> {
    const stat = await readProcessStat(spawned.pid);
    entry.processes.push({
      pid: spawned.pid,
      pgid: stat?.pgrp ?? spawned.pid,
      file: spawned.file,
      start_ticks: stat?.startTicks ?? null,
      started_at: rfc3339(this.#now()),
    });
    this.#persist(entry.job);
  }

  #fileOf(entry: Entry | undefined, job: Job): JobFile {
    const copy = this.#copy(job);
    if (entry === undefined) return copy;
    return { ...copy, client_identity: entry.identity, package_manager: [...entry.processes] };
  }

  #isFetchFailure(backend: PackageManagerBackend, error: unknown): boolean {
    if (isLpaError(error, 'LPA_ERR_FETCH')) return true;
    const output = isLpaError(error) ? error.details?.output : undefined;
    return typeof output === 'string' && backend.isFetchError(output);
  }

  async #repairAfterStop(backend: PackageManagerBackend, log: LogTail): Promise<void> {
    try {
      const outcome = await backend.repair(this.#repairContext(log));
      log.push(
        `repair: ${outcome.needed ? 'needed' : 'not needed'}, database ${outcome.consistent ? 'consistent' : 'INCONSISTENT'}`,
      );
    } catch (error) {
      log.push(`repair failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** What changes are measured on: the installed set, or on atomic hosts what the next boot runs. */
  #inventory(backend: PackageManagerBackend): Promise<InstalledPackage[]> {
    return backend.deployments === undefined ? backend.listInstalled() : backend.deployments.nextBootInventory();
  }

  async #measureChanges(job: Job, backend: PackageManagerBackend, before: InstalledPackage[]): Promise<void> {
    try {
      const after = await this.#inventory(backend);
      job.changes = diffInstalled(before, after, (a, b) => backend.compareVersions(a, b));
    } catch (error) {
      this.#options.logger.error({ err: error, job_id: job.id }, 'could not list installed packages after the job');
    }
  }

  #repairContext(log?: LogTail): OperationContext {
    const timeoutMs = this.#options.repairTimeoutMs ?? REPAIR_TIMEOUT_MS;
    return {
      signal: AbortSignal.timeout(timeoutMs),
      timeoutMs,
      onProgress: () => {},
      onLog: (line) => log?.push(line),
      lockWaitSeconds: this.#options.limits().lock_wait_seconds,
    };
  }

  #operationContext(
    job: Job,
    signal: AbortSignal,
    deadline: number,
    onProgress: (percent: number, message?: string) => void,
    log: LogTail,
  ): OperationContext {
    let lastLogUpdate = 0;
    return {
      signal,
      timeoutMs: Math.max(1, deadline - Date.now()),
      onProgress,
      onLog: (line) => {
        log.push(line);
        const now = Date.now();
        if (now - lastLogUpdate < LOG_UPDATE_INTERVAL_MS) return;
        lastLogUpdate = now;
        this.#emit(job, 'log');
      },
      lockWaitSeconds: this.#options.limits().lock_wait_seconds,
    };
  }

  /**
   * Maps an operation's own 0–100 into [from, to] of the job's progress, which never goes backwards;
   * the backend's message, when it gives one, is kept as the job's progress_message.
   */
  #progressMapper(job: Job): (from: number, to: number) => (percent: number, message?: string) => void {
    return (from, to) => (percent, message) => {
      const clamped = Math.min(100, Math.max(0, Number.isFinite(percent) ? percent : 0));
      const mapped = Math.floor(from + ((to - from) * clamped) / 100);
      const text = typeof message === 'string' && message !== '' ? message.slice(0, 1000) : null;
      const newMessage = text !== null && text !== job.progress_message;
      if (mapped <= job.progress && !newMessage) return;
      if (mapped > job.progress) job.progress = mapped;
      if (newMessage) job.progress_message = text;
      this.#emit(job, 'progress');
    };
  }

  #finish(entry: Entry, status: JobStatus, error: LpaError | null): void {
    const { job } = entry;
    job.status = status;
    job.finished_at = rfc3339(this.#now());
    job.error = error === null ? null : error.toJSON();
    entry.controller = null;
    this.#persist(job);
    // An abandoned job's snapshot stays: the next start compares with it.
    if (!this.#abandoned.has(job.id)) this.#store.forgetInstalledBefore(job.id).catch(() => {});
    this.#emit(job, 'finished');
  }

  #persist(job: Job): void {
    if (this.#abandoned.has(job.id)) return;
    this.#store.save(this.#fileOf(this.#entries.get(job.id), job)).catch((error: unknown) => {
      this.#options.logger.error({ err: error, job_id: job.id }, 'could not write the job record');
    });
  }

  /**
   * Fires onJobUpdate with a frozen copy. Each tap is called on its own, so one that throws is
   * logged and neither reaches the job nor keeps the taps after it from hearing the update.
   */
  #emit(job: Job, kind: JobUpdateKind): void {
    const snapshot = Object.freeze(this.#copy(job));
    for (const tap of this.#options.hooks.onJobUpdate.taps) {
      try {
        (tap.fn as (job: Readonly<Job>, kind: JobUpdateKind) => void)(snapshot, kind);
      } catch (error) {
        this.#options.logger.error({ err: error, job_id: job.id, kind, tap: tap.name }, 'an onJobUpdate tap threw');
      }
    }
  }

  #copy(job: Job): Job {
    return structuredClone(job);
  }

  #scheduleSweep(): void {
    const everyMs = Math.min(60, this.#options.limits().retention_seconds) * 1000;
    this.#sweepTimer = setInterval(() => this.sweep(), everyMs);
    this.#sweepTimer.unref();
  }
}
