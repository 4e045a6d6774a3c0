import type { AuditRecord } from '@linux-patch-api/core';
import { indexedFields, severityOf, summarize } from './record-summary.js';

export const SYSLOG_IDENTIFIER = 'linux-patch-api';
export const TRUNCATION_MARKER = '…[truncated; the full record is in the audit file]';

/**
 * One field in journald's native protocol: `NAME=value\n`, or, when the value contains a newline,
 * `NAME\n` + the value's length as a little-endian 64-bit integer + the value + `\n`.
 */
export function encodeJournalField(name: string, value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  if (!bytes.includes(0x0a)) return Buffer.concat([Buffer.from(`${name}=`, 'utf8'), bytes, Buffer.from('\n')]);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(bytes.length));
  return Buffer.concat([Buffer.from(`${name}\n`, 'utf8'), length, bytes, Buffer.from('\n')]);
}

export interface JournalEntry {
  datagram: Buffer;
  /** LPA_RECORD had to be cut to fit `maxBytes`. */
  truncated: boolean;
}

/** Cuts a string to at most `maxBytes` UTF-8 bytes without splitting a character. */
function truncateUtf8(value: string, maxBytes: number): string {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length <= maxBytes) return value;
  let end = Math.max(0, maxBytes);
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end -= 1;
  return bytes.subarray(0, end).toString('utf8');
}

/**
 * The datagram for one audit record: MESSAGE, PRIORITY, SYSLOG_IDENTIFIER, the indexed LPA_* fields
 * and LPA_RECORD (the whole record as JSON). If the datagram would exceed `maxBytes`, LPA_RECORD is
 * cut and ends with TRUNCATION_MARKER, and LPA_RECORD_TRUNCATED=1 / LPA_RECORD_BYTES say so:
 * unix-dgram cannot pass the memfd journald accepts for larger entries.
 */
export function buildJournalEntry(record: AuditRecord, maxBytes: number): JournalEntry {
  const fixed = [
    encodeJournalField('MESSAGE', summarize(record)),
    encodeJournalField('PRIORITY', String(severityOf(record))),
    encodeJournalField('SYSLOG_IDENTIFIER', SYSLOG_IDENTIFIER),
    encodeJournalField('SYSLOG_PID', String(process.pid)),
    ...indexedFields(record).map(([name, value]) => encodeJournalField(`LPA_${name}`, value)),
  ];
  const json = JSON.stringify(record);
  const whole = Buffer.concat([...fixed, encodeJournalField('LPA_RECORD', json)]);
  if (whole.length <= maxBytes) return { datagram: whole, truncated: false };

  const jsonBytes = Buffer.byteLength(json, 'utf8');
  const notes = [encodeJournalField('LPA_RECORD_TRUNCATED', '1'), encodeJournalField('LPA_RECORD_BYTES', String(jsonBytes))];
  const overhead =
    fixed.reduce((sum, part) => sum + part.length, 0) +
    notes.reduce((sum, part) => sum + part.length, 0) +
    'LPA_RECORD='.length +
    Buffer.byteLength(TRUNCATION_MARKER, 'utf8') +
    1;
  const cut = truncateUtf8(json, maxBytes - overhead) + TRUNCATION_MARKER;
  return { datagram: Buffer.concat([...fixed, ...notes, encodeJournalField('LPA_RECORD', cut)]), truncated: true };
}
