/**
 * Names of the audit file and its rotated, gzip-compressed predecessors in `paths.log_dir`:
 * `audit.log` is written; `audit-YYYY-MM-DD.log.gz` holds the records of that UTC day
 * (`audit-YYYY-MM-DD.N.log.gz`, N ≥ 2, when a day was rotated more than once).
 */
export const CURRENT_AUDIT_FILE = 'audit.log';

/**
 * Beside audit.log: the chain head as of the last `chain_checkpoint` or `agent_stop` line
 * (`{"records": N, "head_hash": H, "timestamp": T}`, H = the hash of that line), so that
 * `audit verify` can tell when lines were cut off the end of the chain.
 */
export const AUDIT_SEAL_FILE = 'audit.seal';

/** The audit file's own chain seal: what the file sink writes to AUDIT_SEAL_FILE. */
export interface AuditChainSeal {
  /** Lines in audit.log up to and including the sealing line. */
  records: number;
  /** SHA-256 (hex) of the sealing line. */
  head_hash: string;
  timestamp: string;
}

/** Events whose line in the audit file carries the chain head before it (`head_hash`, `records`). */
export const CHAIN_SEALING_EVENTS: ReadonlySet<string> = new Set(['chain_checkpoint', 'agent_stop']);

const ROTATED = /^audit-(\d{4}-\d{2}-\d{2})(?:\.(\d+))?\.log\.gz$/;

/** `day` is a Date or a UTC day as YYYY-MM-DD. */
export function rotatedAuditFileName(day: Date | string, index = 1): string {
  const date = typeof day === 'string' ? day : day.toISOString().slice(0, 10);
  return index > 1 ? `audit-${date}.${index}.log.gz` : `audit-${date}.log.gz`;
}

export interface RotatedAuditFile {
  name: string;
  /** YYYY-MM-DD (UTC) of the records it holds. */
  date: string;
  index: number;
}

export function parseRotatedAuditFileName(name: string): RotatedAuditFile | null {
  const match = ROTATED.exec(name);
  if (match === null) return null;
  return { name, date: match[1]!, index: match[2] === undefined ? 1 : Number(match[2]) };
}

/** Oldest first, the live `audit.log` last: the order the hash chain runs in. */
export function sortAuditFileNames(names: readonly string[]): string[] {
  const rotated = names
    .map(parseRotatedAuditFileName)
    .filter((file): file is RotatedAuditFile => file !== null)
    .sort((a, b) => (a.date === b.date ? a.index - b.index : a.date < b.date ? -1 : 1))
    .map((file) => file.name);
  return names.includes(CURRENT_AUDIT_FILE) ? [...rotated, CURRENT_AUDIT_FILE] : rotated;
}
