import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';

/** Content digests by path, reused while size, mtime and inode are unchanged. */
const digests = new Map<string, { identity: string; digest: string }>();

async function fileDigest(path: string): Promise<string> {
  let identity: string;
  try {
    const info = await stat(path, { bigint: true });
    if (!info.isFile()) return '-';
    identity = `${info.size}:${info.mtimeNs}:${info.ino}`;
  } catch {
    return '-';
  }
  const known = digests.get(path);
  if (known?.identity === identity) return known.digest;
  let content: Buffer;
  try {
    content = await readFile(path);
  } catch {
    return '-';
  }
  const digest = createHash('sha256').update(content).digest('hex');
  digests.set(path, { identity, digest });
  return digest;
}

/**
 * SHA-256 over the names and contents of the given files (in sorted order; a missing one counts
 * as `-`). It depends on the bytes only, so a package-index refresh that fetched the same files
 * again gives the same fingerprint. Backends use it for `indexFingerprint()`.
 */
export async function fingerprintFiles(paths: readonly string[]): Promise<string> {
  const sorted = [...new Set(paths)].sort();
  const hash = createHash('sha256');
  for (const path of sorted) hash.update(`${path}\0${await fileDigest(path)}\n`);
  return hash.digest('hex');
}
