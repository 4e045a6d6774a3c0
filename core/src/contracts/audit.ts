import type { Logger } from './logger.js';

export type AuditEventName =
  | 'agent_start'
  | 'agent_stop'
  | 'api_request'
  | 'auth_success'
  | 'auth_failure'
  | 'ip_denied'
  | 'job_intent'
  | 'job_update'
  | 'job_completed'
  | 'job_interrupted'
  | 'config_reload'
  | 'cert_reload'
  | 'audit_sink_failure'
  | 'audit_records_lost'
  | 'chain_checkpoint'
  | 'job_recovered';

/** The client a record is about: from the verified client certificate. */
export interface ClientIdentity {
  cn: string | null;
  serial: string;
  fingerprint256: string;
  /** The peer address the certificate was presented from (IPv4-mapped IPv6 as IPv4), where known. */
  ip?: string | null;
}

/**
 * One audit event. `event` and `timestamp` are always present; the other fields depend on the event
 * (documented in the core README). Records never carry secrets (no keys, no request bodies beyond
 * the validated package request).
 */
export interface AuditRecord {
  event: AuditEventName;
  /** RFC 3339 UTC. */
  timestamp: string;
  [field: string]: unknown;
}

export interface AuditWriteOptions {
  /**
   * The record must be on stable storage before write() resolves (fsync for files). Set for a
   * mutating job's intent record, which must exist before the package manager runs.
   */
  durable: boolean;
}

/** What a sink may report about a record it took. */
export interface AuditWriteResult {
  /**
   * The sink kept only part of the record (e.g. a size limit of the transport). The core then also
   * writes it to the file sink, which keeps records whole.
   */
  truncated?: boolean;
}

/** A destination for audit records. write() rejects when the record could not be taken. */
export interface AuditSink {
  readonly name: string;
  /**
   * True when write() may be called again before the previous call resolved: the sink keeps the
   * order of the calls itself (e.g. to write several records at once). Otherwise the core waits for
   * each write() before the next.
   */
  readonly pipelinesWrites?: boolean;
  // biome-ignore lint/suspicious/noConfusingVoidType: sinks that report nothing keep their plain async write()
  write(record: AuditRecord, options: AuditWriteOptions): Promise<void | AuditWriteResult>;
  close(): Promise<void>;
}

export interface AuditSinkContext {
  /** `paths.log_dir`. */
  logDir: string;
  /** `audit.retention_days`. */
  retentionDays: number;
  logger: Logger;
}

export interface AuditSinkDefinition {
  /** What `audit.sinks` names, e.g. `journald`, `syslog`, `file`. */
  name: string;
  /** Whether this sink can work here (e.g. the journald socket exists); used by `auto`. */
  available(): boolean | Promise<boolean>;
  /** Preference among available sinks under `auto` (higher first). The file sink is always the fallback. */
  priority: number;
  create(context: AuditSinkContext): AuditSink | Promise<AuditSink>;
}
