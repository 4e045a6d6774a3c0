import { createHash } from 'node:crypto';
import type { AuditRecord } from '../contracts/audit.js';

/**
 * The audit file's tamper evidence: every JSON line carries `prev_hash`, the SHA-256 (hex) of the
 * previous line's exact bytes (UTF-8, without the newline). The very first record has `prev_hash:
 * null`. The chain continues across rotations: the first line of a new file links to the last line
 * of the file rotated before it.
 */
export function hashAuditLine(line: string): string {
  return createHash('sha256').update(line, 'utf8').digest('hex');
}

/** Serialises a record as one chained JSON line (no newline), `prev_hash` last. */
export function chainAuditLine(record: AuditRecord, prevHash: string | null): string {
  const { prev_hash: _ignored, ...fields } = record;
  return JSON.stringify({ ...fields, prev_hash: prevHash });
}
