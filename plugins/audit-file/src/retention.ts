import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { parseRotatedAuditFileName } from '@linux-patch-api/core';

export function utcDay(time: Date): string {
  return time.toISOString().slice(0, 10);
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Deletes rotated audit files whose records are all older than `retentionDays`: a file holds one
 * UTC day, so the file of day D goes once D is before today minus the retention. Other files in the
 * directory are never touched.
 */
export async function applyRetention(logDir: string, retentionDays: number, now: Date): Promise<string[]> {
  const cutoff = utcDay(new Date(now.getTime() - retentionDays * DAY_MS));
  const deleted: string[] = [];
  for (const name of await readdir(logDir)) {
    const rotated = parseRotatedAuditFileName(name);
    if (rotated === null || rotated.date >= cutoff) continue;
    await unlink(join(logDir, name));
    deleted.push(name);
  }
  return deleted.sort();
}
