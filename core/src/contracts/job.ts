/** Job and change records, exactly as the API shows them (snake_case). */
import type { HeldBackReason } from './capabilities.js';
import type { DeploymentPlan } from './deployments.js';
import type { RestartForecast } from './forecast.js';

export type JobType =
  | 'package_install'
  | 'package_update'
  | 'package_remove'
  | 'patch_apply'
  | 'rollback'
  | 'deployment_rollback'
  | 'deployment_rebase'
  | 'deployment_undeploy';
export type JobStatus = 'pending' | 'running' | 'completed' | 'failed' | 'timed_out';
export const TERMINAL_JOB_STATUSES: readonly JobStatus[] = ['completed', 'failed', 'timed_out'];

export type ChangeAction = 'installed' | 'upgraded' | 'downgraded' | 'removed';

/** One measured change to the installed set (diff of before and after, never the request). */
export interface PackageChange {
  name: string;
  action: ChangeAction;
  from_version: string | null;
  to_version: string | null;
}

export interface JobError {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

export interface Job {
  id: string;
  type: JobType;
  status: JobStatus;
  progress: number;
  /** The backend's own description of its progress (`onProgress(percent, message)`), the latest one. */
  progress_message: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  /** The validated request that created the job. */
  request: Record<string, unknown>;
  /** Subject CN of the client certificate that asked for it. */
  client: string | null;
  changes: PackageChange[];
  /** Planned changes (dry runs, and what beforeApply taps saw). */
  plan: PlannedChange[] | null;
  /** SHA-256 over the plan and what it was made from (SPEC §12.2); set with `plan`. */
  plan_hash: string | null;
  /** Tail of the package manager's output. */
  log: string[];
  error: JobError | null;
  rollback_of: string | null;
  rolled_back_by: string | null;
  /** Whether and from where the job's changes can be undone (SPEC §12.6); recomputed on every read. */
  rollback?: RollbackVerdict | null;
  /** On atomic hosts: the deployment change the job plans (set with `plan`), as beforeApply taps see it. */
  deployment?: DeploymentPlan | null;
  /** What the plan will mean for the running system (SPEC §12.5); set with `plan` where the backend can forecast. */
  forecast?: RestartForecast | null;
  /** The same, measured after the change (jobs that ran the package manager, where the backend can forecast). */
  outcome?: RestartForecast | null;
  /** Whether `outcome` is what `forecast` said (see forecastMatched); null without a forecast or an outcome. */
  forecast_matched?: boolean | null;
  /**
   * Set while a running job waits for a package-manager lock another process holds; null (or
   * absent) otherwise.
   */
  waiting?: LockWait | null;
  /**
   * Targeted packages the job kept back (SPEC §12.4): held, pinned or phased updates the package
   * manager would not apply, and on a beforeApply veto every planned package (`policy`). Set when
   * the job starts; absent on jobs that target no updates.
   */
  held_back?: HeldBackPackage[];
}

/** A targeted package the job kept back, and why (SPEC §12.4). */
export interface HeldBackPackage {
  name: string;
  reason: HeldBackReason;
  detail: string;
}

/** A running job waiting for another process's package-manager lock. */
export interface LockWait {
  /** The lock file. */
  lock: string;
  /** The holder's pid where it can be found, else null. */
  pid: number | null;
  /** The holder's command line where it can be read, else null. */
  command: string | null;
  /** When the job started waiting (RFC 3339 UTC). */
  since: string;
}

/** What a mutation is expected to do, as far as the package manager can say beforehand. */
export interface PlannedChange {
  name: string;
  action: ChangeAction;
  from_version: string | null;
  to_version: string | null;
}

/** Why onJobUpdate fired. */
export type JobUpdateKind = 'created' | 'started' | 'progress' | 'log' | 'finished' | 'updated';

/** One package version a rollback would reinstall, and where it would come from. */
export interface RollbackPackage {
  name: string;
  version: string;
  source: 'repo' | 'cache' | 'store' | 'none';
  /** Why it cannot be had, when source is `none`. */
  reason?: string;
}

/** Whether a job's changes can be undone (SPEC §12.6). */
export interface RollbackVerdict {
  possible: boolean;
  /** null when possible; else every package's reason, joined. */
  reason: string | null;
  packages: RollbackPackage[];
}
