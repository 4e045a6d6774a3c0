import * as crypto from 'node:crypto';
import type { AuditRecord } from '../contracts/audit.js';

/** Node's one-shot digest (20.12 and later): no Hash object per line, one call into OpenSSL. */
const oneShotHash = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

/**
 * The audit file's tamper evidence: every JSON line carries `prev_hash`, the SHA-256 (hex) of the
 * previous line's exact bytes (UTF-8, without the newline). The very first record has `prev_hash:
 * null`. The chain continues across rotations: the first line of a new file links to the last line
 * of the file rotated before it.
 */
export function hashAuditLine(line: string): string {
  return oneShotHash === undefined
    ? crypto.createHash('sha256').update(line, 'utf8').digest('hex')
    : oneShotHash('sha256', line, 'hex');
}

/** Serialises a record as one chained JSON line (no newline), `prev_hash` last. */
export function chainAuditLine(record: AuditRecord, prevHash: string | null): string {
  let fields: Record<string, unknown> = record;
  if (Object.hasOwn(record, 'prev_hash')) {
    const { prev_hash: _ignored, ...rest } = record;
    fields = rest;
  }
  // The link is appended to the serialised record rather than to a copy of it: one object less per line.
  const json = JSON.stringify(fields);
  const link = `"prev_hash":${prevHash === null ? 'null' : JSON.stringify(prevHash)}}`;
  return json === '{}' ? `{${link}` : `${json.slice(0, -1)},${link}`;
}
