import type { AuditEventName, AuditRecord } from '../contracts/audit.js';

/**
 * The core's one way to write audit records; it fans out to the configured sinks.
 * record() is best effort and never throws (a failing sink falls back to the file sink and is
 * logged). recordDurable() resolves only once a sink has the record on stable storage, and rejects
 * with LPA_ERR_AUDIT_UNAVAILABLE when none can take it: callers then refuse the mutation.
 */
export interface AuditTrail {
  record(event: AuditEventName, fields?: Record<string, unknown>): void;
  recordDurable(event: AuditEventName, fields?: Record<string, unknown>): Promise<void>;
  /** Waits until every record accepted so far has been handed to the sinks. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** Keeps records in memory: for tests of the core that do not concern the sinks themselves. */
export class MemoryAuditTrail implements AuditTrail {
  readonly records: AuditRecord[] = [];
  failDurable = false;

  record(event: AuditEventName, fields: Record<string, unknown> = {}): void {
    this.records.push({ ...fields, event, timestamp: new Date().toISOString() });
  }

  async recordDurable(event: AuditEventName, fields: Record<string, unknown> = {}): Promise<void> {
    if (this.failDurable) {
      const { LpaError } = await import('../errors.js');
      throw new LpaError('LPA_ERR_AUDIT_UNAVAILABLE', 'no audit sink could take the intent record', { retryAfter: 30 });
    }
    this.record(event, fields);
  }

  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}
