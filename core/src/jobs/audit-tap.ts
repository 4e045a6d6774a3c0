import type { AuditTrail } from '../audit/trail.js';
import type { AgentHooks } from '../hooks.js';

/**
 * The audit trail as an onJobUpdate tap: every state change is a `job_update` record and a
 * finished job a `job_completed` record with its measured changes. Progress ticks are not
 * audited (they change nothing on the system).
 */
export function tapJobAudit(hooks: AgentHooks, auditTrail: AuditTrail | (() => AuditTrail)): void {
  hooks.onJobUpdate.tap('audit-trail', (job, kind) => {
    const audit = typeof auditTrail === 'function' ? auditTrail() : auditTrail;
    if (kind === 'progress' || kind === 'log') return;
    if (kind === 'finished') {
      audit.record('job_completed', {
        job_id: job.id,
        type: job.type,
        status: job.status,
        client: job.client,
        changes: job.changes,
        error: job.error,
        rollback_of: job.rollback_of,
      });
      return;
    }
    audit.record('job_update', { job_id: job.id, type: job.type, status: job.status, kind, client: job.client });
  });
}
