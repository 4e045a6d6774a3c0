import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';

/** dpkg.log lines that change the package database: an action (`upgrade name:arch old new`) or a new `status`. */
const CHANGE = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d) (install|upgrade|remove|purge|configure|status) \S/;

/** The time of the last change dpkg recorded in one dpkg.log (local time, as dpkg writes it). */
export function lastChangeInDpkgLog(text: string): Date | null {
  const lines = text.split('\n');
  for (let index = lines.length - 1; index >= 0; index -= 1) {
    const match = CHANGE.exec(lines[index] as string);
    if (match === null) continue;
    const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as number[];
    return new Date(year!, month! - 1, day!, hour!, minute!, second!);
  }
  return null;
}

async function readLog(path: string): Promise<string | null> {
  try {
    const bytes = await readFile(path);
    return path.endsWith('.gz') ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/**
 * The last change dpkg recorded, whoever ran it (apt, the agent, an administrator's dpkg -i):
 * dpkg.log first, then the files logrotate made of it, newest first, until one records a change.
 */
export async function readLastDpkgChange(dpkgLog: string): Promise<Date | null> {
  for (const path of [dpkgLog, `${dpkgLog}.1`, `${dpkgLog}.2.gz`]) {
    const text = await readLog(path);
    const found = text === null ? null : lastChangeInDpkgLog(text);
    if (found !== null) return found;
  }
  return null;
}
