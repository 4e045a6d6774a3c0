import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

/**
 * Writes `source` gzip-compressed to `target` (mode 0600) and makes it durable: compressed into a
 * temporary name, fsynced, then renamed, so a crash or a full disk never leaves a half file under
 * the final name. The source is left alone; the caller removes it once this resolved.
 */
export async function gzipFile(source: string, target: string): Promise<void> {
  const partial = `${target}.partial`;
  try {
    await pipeline(createReadStream(source), createGzip(), createWriteStream(partial, { flags: 'w', mode: 0o600 }));
    const handle = await open(partial, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(partial, target);
  } catch (error) {
    await unlink(partial).catch(() => {});
    throw error;
  }
}
