import { createReadStream } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import {
  AUDIT_SEAL_FILE,
  type AuditChainSeal,
  CHAIN_SEALING_EVENTS,
  CURRENT_AUDIT_FILE,
  sortAuditFileNames,
} from './file-names.js';
import { hashAuditLine } from './hash-chain.js';

export type AuditVerifyResult =
  | { ok: true; files: number; records: number; sealed?: { records_after_seal: number } }
  | { ok: false; file: string; line: number; reason: string };

/**
 * The seal beside the chain's live audit.log (the last file of `files`), or null when there is none
 * (a chain verified without its directory, or written before seals existed).
 */
export async function readAuditSeal(files: readonly string[]): Promise<AuditChainSeal | null> {
  const last = files.at(-1);
  if (last === undefined || basename(last) !== CURRENT_AUDIT_FILE) return null;
  try {
    const seal = JSON.parse(await readFile(join(dirname(last), AUDIT_SEAL_FILE), 'utf8')) as AuditChainSeal;
    return typeof seal.head_hash === 'string' && Number.isInteger(seal.records) ? seal : null;
  } catch {
    return null;
  }
}

/** The audit files of a log directory in chain order (rotated .gz files oldest first, then audit.log). */
export async function listAuditFiles(logDir: string): Promise<string[]> {
  return sortAuditFileNames(await readdir(logDir)).map((name) => join(logDir, name));
}

function openLines(file: string): AsyncIterable<string> {
  const raw: Readable = createReadStream(file);
  const input = file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  raw.on('error', (error) => input.destroy(error));
  return createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
}

/**
 * Walks the hash chain through the files in the given order and reports the first broken link.
 * The first record of the first file is taken as it is (its predecessor may have expired).
 * A hash chain alone cannot tell that records were cut off the end: with `seal` (the file sink's
 * audit.seal, see readAuditSeal) the sealed head must be in the chain, or the lines after the last
 * checkpoint are reported missing. Each `chain_checkpoint` / `agent_stop` line's own `head_hash` and
 * `records` are checked too.
 */
export async function verifyAuditFiles(files: readonly string[], seal: AuditChainSeal | null = null): Promise<AuditVerifyResult> {
  let previous: string | null = null;
  let records = 0;
  let afterSeal: number | null = null;
  let lastFile = '';
  let lastLine = 0;
  for (const file of files) {
    let lineNumber = 0;
    try {
      for await (const line of openLines(file)) {
        lineNumber += 1;
        const broken = checkLine(line, previous, lineNumber - 1);
        if (broken !== null) return { ok: false, file, line: lineNumber, reason: broken };
        previous = line;
        records += 1;
        if (afterSeal !== null) afterSeal += 1;
        else if (seal !== null && hashAuditLine(line) === seal.head_hash) afterSeal = 0;
      }
    } catch (error) {
      const reason = `cannot read ${basename(file)}: ${error instanceof Error ? error.message : String(error)}`;
      return { ok: false, file, line: lineNumber + 1, reason };
    }
    lastFile = file;
    lastLine = lineNumber;
  }
  if (seal === null) return { ok: true, files: files.length, records };
  if (afterSeal === null) {
    const missing = seal.records > lastLine ? `${seal.records - lastLine} or more records` : 'records';
    return {
      ok: false,
      file: lastFile,
      line: lastLine,
      reason:
        `${missing} missing after the last checkpoint: the seal names record ${seal.records} of ${CURRENT_AUDIT_FILE} ` +
        `(head ${seal.head_hash}, ${seal.timestamp}), which is not in the chain; it ends at line ${lastLine}`,
    };
  }
  return { ok: true, files: files.length, records, sealed: { records_after_seal: afterSeal } };
}

function checkLine(line: string, previous: string | null, linesBefore: number): string | null {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return 'not a JSON record';
  }
  if (typeof record !== 'object' || record === null || !('prev_hash' in record)) return 'record has no prev_hash';
  const fields = record as { prev_hash: unknown; event?: unknown; head_hash?: unknown; records?: unknown };
  const prevHash = fields.prev_hash;
  if (previous === null) {
    if (prevHash !== null && typeof prevHash !== 'string') return 'prev_hash is malformed';
  } else {
    const expected = hashAuditLine(previous);
    if (prevHash !== expected) return `prev_hash does not match the previous record (expected ${expected})`;
  }
  if (typeof fields.event === 'string' && CHAIN_SEALING_EVENTS.has(fields.event) && 'head_hash' in fields) {
    if (fields.head_hash !== prevHash) return `${fields.event}: head_hash is not the previous record's hash`;
    if (fields.records !== linesBefore)
      return `${fields.event}: ${String(fields.records)} records before it in this file, but there are ${linesBefore}`;
  }
  return null;
}
