import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { sortAuditFileNames } from './file-names.js';
import { hashAuditLine } from './hash-chain.js';

export type AuditVerifyResult =
  | { ok: true; files: number; records: number }
  | { ok: false; file: string; line: number; reason: string };

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
 * A hash chain cannot tell that records were cut off the end; everything before the end is covered.
 */
export async function verifyAuditFiles(files: readonly string[]): Promise<AuditVerifyResult> {
  let previous: string | null = null;
  let records = 0;
  for (const file of files) {
    let lineNumber = 0;
    try {
      for await (const line of openLines(file)) {
        lineNumber += 1;
        const broken = checkLink(line, previous);
        if (broken !== null) return { ok: false, file, line: lineNumber, reason: broken };
        previous = line;
        records += 1;
      }
    } catch (error) {
      const reason = `cannot read ${basename(file)}: ${error instanceof Error ? error.message : String(error)}`;
      return { ok: false, file, line: lineNumber + 1, reason };
    }
  }
  return { ok: true, files: files.length, records };
}

function checkLink(line: string, previous: string | null): string | null {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return 'not a JSON record';
  }
  if (typeof record !== 'object' || record === null || !('prev_hash' in record)) return 'record has no prev_hash';
  const prevHash = (record as { prev_hash: unknown }).prev_hash;
  if (previous === null) return prevHash === null || typeof prevHash === 'string' ? null : 'prev_hash is malformed';
  const expected = hashAuditLine(previous);
  return prevHash === expected ? null : `prev_hash does not match the previous record (expected ${expected})`;
}
