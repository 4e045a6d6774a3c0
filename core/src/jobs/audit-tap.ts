import type { AuditTrail } from '../audit/trail.js';
import type { ClientIdentity } from '../contracts/audit.js';
import type { AgentHooks } from '../hooks.js';

/**
 * Who asked for a job, as every job audit record carries it: the certificate's CN, serial and
 * fingerprint, and the peer address. Without the identity (a job from before a restart that kept
 * only the CN) the CN stands alone.
 */
export function jobClientFields(identity: ClientIdentity | null | undefined, cn: string | null): Record<string, unknown> {
  if (identity === null || identity === undefined) return { client: cn, ip: null };
  const { ip = null, ...certificate } = identity;
  return { client: certificate, ip };
}

/**
 * The audit trail as an onJobUpdate tap: every state change is a `job_update` record and a
 * finished job a `job_completed` record with its measured changes. Progress ticks are not
 * audited (they change nothing on the system). `identityOf` gives the client behind a job id.
 */
export function tapJobAudit(
  hooks: AgentHooks,
  auditTrail: AuditTrail | (() => AuditTrail),
  identityOf: (jobId: string) => ClientIdentity | null = () => null,
): void {
  hooks.onJobUpdate.tap('audit-trail', (job, kind) => {
    const audit = typeof auditTrail === 'function' ? auditTrail() : auditTrail;
    if (kind === 'progress' || kind === 'log') return;
    const client = jobClientFields(identityOf(job.id), job.client);
    if (kind === 'finished') {
      audit.record('job_completed', {
        job_id: job.id,
        type: job.type,
        status: job.status,
        ...client,
        changes: job.changes,
        error: job.error,
        rollback_of: job.rollback_of,
      });
      return;
    }
    audit.record('job_update', {
      job_id: job.id,
      type: job.type,
      status: job.status,
      kind,
      ...client,
      ...(job.waiting ? { waiting: job.waiting } : {}),
    });
  });
}
