import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';

/** A clock the test moves by hand. */
export function manualClock(start: string): { now: () => Date; set: (time: string) => void } {
  let current = new Date(start);
  return {
    now: () => new Date(current),
    set: (time) => {
      current = new Date(time);
    },
  };
}

export async function readLines(path: string): Promise<string[]> {
  const raw = await readFile(path);
  const text = path.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
  return text.split('\n').filter((line) => line.length > 0);
}

export function record(event: string, timestamp: string, fields: Record<string, unknown> = {}) {
  return { event: event as 'api_request', timestamp, ...fields };
}
