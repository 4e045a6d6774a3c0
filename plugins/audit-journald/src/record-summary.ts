import type { AuditRecord } from '@linux-patch-api/core';

/** syslog/journald severities (RFC 5424 numbering). */
export const SEVERITY = { error: 3, warning: 4, notice: 5, info: 6 } as const;

const WARNINGS = new Set(['auth_failure', 'ip_denied', 'audit_sink_failure', 'job_interrupted']);
const NOTICES = new Set(['job_intent', 'job_completed', 'config_reload', 'cert_reload', 'agent_start', 'agent_stop']);

export function severityOf(record: AuditRecord): number {
  if (record.event === 'job_completed' && record.status !== 'completed') return SEVERITY.warning;
  if ((record.event === 'config_reload' || record.event === 'cert_reload') && record.accepted === false) return SEVERITY.warning;
  if (WARNINGS.has(record.event)) return SEVERITY.warning;
  if (NOTICES.has(record.event)) return SEVERITY.notice;
  return SEVERITY.info;
}

function text(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function clientOf(record: AuditRecord): { cn: string | null; serial: string | null; fingerprint256: string | null } {
  const client = record.client as Record<string, unknown> | null | undefined;
  if (client === null || typeof client !== 'object') return { cn: null, serial: null, fingerprint256: null };
  return { cn: text(client.cn), serial: text(client.serial), fingerprint256: text(client.fingerprint256) };
}

/** The one-line human summary (journald MESSAGE); the full record travels alongside as JSON. */
export function summarize(record: AuditRecord): string {
  const parts: string[] = [record.event];
  if (record.event === 'api_request') parts.push(`${text(record.method)} ${text(record.path)} -> ${text(record.status)}`);
  else if (typeof record.status === 'string') parts.push(`status=${record.status}`);
  if (typeof record.job_id === 'string') parts.push(`job=${record.job_id}`);
  if (typeof record.reason === 'string') parts.push(`reason=${record.reason}`);
  const { cn } = clientOf(record);
  if (cn !== null) parts.push(`cn=${cn}`);
  if (typeof record.ip === 'string') parts.push(`ip=${record.ip}`);
  return parts.join(' ').replace(/[\r\n]+/g, ' ');
}

/** Scalar fields that are worth a structured field of their own, beside the full JSON. */
export function indexedFields(record: AuditRecord): Array<[string, string]> {
  const { cn, serial, fingerprint256 } = clientOf(record);
  const candidates: Array<[string, unknown]> = [
    ['EVENT', record.event],
    ['TIMESTAMP', record.timestamp],
    ['REQUEST_ID', record.request_id],
    ['CLIENT_CN', cn],
    ['CLIENT_SERIAL', serial],
    ['CLIENT_FINGERPRINT', fingerprint256],
    ['IP', record.ip],
    ['METHOD', record.method],
    ['PATH', record.path],
    ['STATUS', record.status],
    ['JOB_ID', record.job_id],
    ['JOB_TYPE', record.job_type],
    ['REASON', record.reason],
  ];
  return candidates.flatMap(([name, value]) => {
    const rendered = text(value);
    return rendered === null ? [] : [[name, rendered] as [string, string]];
  });
}
