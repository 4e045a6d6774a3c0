import { hostname } from 'node:os';
import type { AuditRecord } from '@linux-patch-api/core';
import { SYSLOG_IDENTIFIER, TRUNCATION_MARKER } from './journal-entry.js';
import { indexedFields, severityOf } from './record-summary.js';

/** authpriv: security/authorisation messages, kept out of world-readable logs by default rules. */
export const SYSLOG_FACILITY_AUTHPRIV = 10;
/** The SD-ID of our structured data (32473 is the enterprise number RFC 5612 sets aside for examples and private use). */
export const SD_ID = 'lpa@32473';

/** RFC 5424 §6.3.3: inside a PARAM-VALUE, `"`, `\` and `]` must be escaped with a backslash. */
export function escapeSdValue(value: string): string {
  return value.replace(/[\\"\]]/g, (character) => `\\${character}`);
}

/** HOSTNAME, APP-NAME, MSGID: printable US-ASCII without spaces, or the NILVALUE `-`. */
function header(value: string, maxLength: number): string {
  const cleaned = value.replace(/[^\x21-\x7e]/g, '').slice(0, maxLength);
  return cleaned.length > 0 ? cleaned : '-';
}

export interface SyslogMessage {
  message: Buffer;
  truncated: boolean;
}

/**
 * `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [lpa@32473 event="…" …] JSON`. The indexed fields go
 * into structured data (snake_case names); the whole record is the MSG. A message longer than
 * `maxBytes` has its JSON cut and ended with TRUNCATION_MARKER (the file sink keeps it whole).
 */
export function formatSyslogMessage(record: AuditRecord, maxBytes: number, host = hostname()): SyslogMessage {
  const pri = SYSLOG_FACILITY_AUTHPRIV * 8 + severityOf(record);
  const params = indexedFields(record)
    .map(([name, value]) => `${name.toLowerCase()}="${escapeSdValue(value)}"`)
    .join(' ');
  const head = `<${pri}>1 ${record.timestamp} ${header(host, 255)} ${header(SYSLOG_IDENTIFIER, 48)} ${process.pid} ${header(record.event, 32)} [${SD_ID} ${params}] `;
  const json = JSON.stringify(record);
  const whole = Buffer.from(head + json, 'utf8');
  if (whole.length <= maxBytes) return { message: whole, truncated: false };
  const room = Math.max(0, maxBytes - Buffer.byteLength(head + TRUNCATION_MARKER, 'utf8'));
  const jsonBytes = Buffer.from(json, 'utf8');
  let end = Math.min(room, jsonBytes.length);
  while (end > 0 && (jsonBytes[end]! & 0xc0) === 0x80) end -= 1;
  return {
    message: Buffer.concat([Buffer.from(head, 'utf8'), jsonBytes.subarray(0, end), Buffer.from(TRUNCATION_MARKER, 'utf8')]),
    truncated: true,
  };
}
