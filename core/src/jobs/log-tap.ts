import type { Job, JobUpdateKind } from '../contracts/job.js';
import type { Logger } from '../contracts/logger.js';
import type { AgentHooks } from '../hooks.js';

function durationMs(job: Readonly<Job>): number | null {
  if (job.started_at === null || job.finished_at === null) return null;
  return Date.parse(job.finished_at) - Date.parse(job.started_at);
}

/**
 * The operational log of jobs, as an onJobUpdate tap: `job started` and `job completed` at info,
 * `job failed` at error and `job timed out` at warn (with the error code), one line each.
 * Progress, log lines and queueing are left to the job record and the audit trail.
 */
export function tapJobLog(hooks: AgentHooks, logger: Logger): void {
  hooks.onJobUpdate.tap('operational-log', (job: Readonly<Job>, kind: JobUpdateKind) => {
    const fields = { job_id: job.id, type: job.type, client_cn: job.client };
    if (kind === 'started') {
      logger.info(fields, 'job started');
      return;
    }
    if (kind !== 'finished') return;
    const finished = { ...fields, status: job.status, changes: job.changes.length, duration_ms: durationMs(job) };
    if (job.status === 'completed') logger.info(finished, 'job completed');
    else if (job.status === 'timed_out') logger.warn({ ...finished, error_code: job.error?.code ?? null }, 'job timed out');
    else logger.error({ ...finished, error_code: job.error?.code ?? null, error: job.error?.message ?? null }, 'job failed');
  });
}
