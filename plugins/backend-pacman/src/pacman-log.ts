import { readFile } from 'node:fs/promises';

/** The ALPM lines that record a change to the installed set. */
const CHANGE = /^\[([^\]]+)\] \[ALPM\] (installed|upgraded|downgraded|reinstalled|removed) /;

/**
 * pacman.log stamps lines `[2026-12-07T01:02:03+0000]` (pacman 5.1+, with the offset) or
 * `[2017-03-12 10:00]` (older: local time, minutes).
 */
export function parsePacmanLogTime(stamp: string): Date | null {
  const current = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)([+-])(\d\d)(\d\d)$/.exec(stamp);
  if (current !== null) {
    const [, year, month, day, hour, minute, second, sign, offsetHours, offsetMinutes] = current;
    return new Date(`${year}-${month}-${day}T${hour}:${minute}:${second}${sign}${offsetHours}:${offsetMinutes}`);
  }
  const legacy = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d)$/.exec(stamp);
  if (legacy !== null) {
    const [, year, month, day, hour, minute] = legacy.map(Number) as number[];
    return new Date(year!, month! - 1, day!, hour!, minute!);
  }
  return null;
}

/** When the last package was installed, upgraded, downgraded, reinstalled or removed; null when never. */
export function lastChangeInPacmanLog(text: string): Date | null {
  const lines = text.split('\n');
  for (let index = lines.length - 1; index >= 0; index -= 1) {
    const match = CHANGE.exec(lines[index] as string);
    if (match === null) continue;
    const time = parsePacmanLogTime(match[1] as string);
    if (time !== null && !Number.isNaN(time.getTime())) return time;
  }
  return null;
}

/** Reads the log; a missing log is no history (null), not an error. */
export async function readLastPacmanChange(logFile: string): Promise<Date | null> {
  let text: string;
  try {
    text = await readFile(logFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  return lastChangeInPacmanLog(text);
}
