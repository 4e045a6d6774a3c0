import { createReadStream } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';

const CHUNK = 64 * 1024;

/**
 * Drops an unfinished last line (a write cut short by a crash or a full disk was never acknowledged)
 * and returns the last complete line, or null for an empty file. Reads backwards in chunks, so a
 * day's log is not read whole.
 */
export async function repairTailAndReadLastLine(handle: FileHandle): Promise<{ size: number; lastLine: string | null }> {
  const { size } = await handle.stat();
  let end = size;
  let buffer = Buffer.alloc(0);
  let lastNewline = -1;
  while (end > 0) {
    const start = Math.max(0, end - CHUNK);
    const chunk = Buffer.alloc(end - start);
    await handle.read(chunk, 0, chunk.length, start);
    buffer = Buffer.concat([chunk, buffer]);
    end = start;
    lastNewline = buffer.lastIndexOf(0x0a);
    if (lastNewline === -1) continue;
    const previousNewline = buffer.lastIndexOf(0x0a, lastNewline - 1);
    if (previousNewline !== -1 || end === 0) {
      const completeSize = end + lastNewline + 1;
      if (completeSize < size) await handle.truncate(completeSize);
      return { size: completeSize, lastLine: buffer.subarray(previousNewline + 1, lastNewline).toString('utf8') };
    }
  }
  if (size > 0) await handle.truncate(0);
  return { size: 0, lastLine: null };
}

/** Newlines in the first `size` bytes of the file (its complete lines), read in chunks. */
export async function countLines(handle: FileHandle, size: number): Promise<number> {
  const chunk = Buffer.alloc(CHUNK);
  let count = 0;
  for (let position = 0; position < size; ) {
    const { bytesRead } = await handle.read(chunk, 0, Math.min(CHUNK, size - position), position);
    if (bytesRead === 0) break;
    for (let at = chunk.indexOf(0x0a); at !== -1 && at < bytesRead; at = chunk.indexOf(0x0a, at + 1)) count += 1;
    position += bytesRead;
  }
  return count;
}

/** The last line of a gzip-compressed audit file. */
export async function readLastLineOfGzip(path: string): Promise<string | null> {
  const raw = createReadStream(path);
  const input = raw.pipe(createGunzip());
  raw.on('error', (error) => input.destroy(error));
  let last: string | null = null;
  for await (const line of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
    if (line.length > 0) last = line;
  }
  return last;
}
