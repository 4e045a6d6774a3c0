import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

const BLOCK = 512;

/**
 * The `APKINDEX` text of one cached index (`APKINDEX.<hash>.tar.gz`): gzip members (signature,
 * then the index) of tar entries without an end-of-archive marker; Node's gunzip reads every
 * member. null when the file holds no APKINDEX entry.
 */
export function apkIndexText(archive: Buffer): string | null {
  const tar = gunzipSync(archive);
  for (let offset = 0; offset + BLOCK <= tar.length; ) {
    const header = tar.subarray(offset, offset + BLOCK);
    const name = header.subarray(0, 100).toString('latin1').replace(/\0.*$/s, '');
    // A zero block: tar's end-of-archive marker, which abuild cuts from each member but tar writes.
    if (name === '') {
      offset += BLOCK;
      continue;
    }
    const size = Number.parseInt(header.subarray(124, 136).toString('latin1').replace(/\0.*$/s, '').trim() || '0', 8);
    const data = offset + BLOCK;
    if (name === 'APKINDEX') return tar.subarray(data, data + size).toString('utf8');
    offset = data + Math.ceil(size / BLOCK) * BLOCK;
  }
  return null;
}

/** `P:` name and `V:` version of every record of an APKINDEX text (blank-line separated, as the installed database). */
export function indexedVersions(text: string): { name: string; version: string }[] {
  return text.split(/\n\n+/).flatMap((record) => {
    const name = /^P:(.+)$/m.exec(record)?.[1];
    const version = /^V:(.+)$/m.exec(record)?.[1];
    return name === undefined || version === undefined ? [] : [{ name, version }];
  });
}

/**
 * The versions of `name` the cached indexes under `indexDir` offer; null when there is no readable
 * index at all (never refreshed), so that nothing can be said.
 */
export async function offeredVersions(indexDir: string, name: string): Promise<string[] | null> {
  let files: string[];
  try {
    files = (await readdir(indexDir)).filter((file) => /^APKINDEX\..+\.tar\.gz$/.test(file));
  } catch {
    return null;
  }
  let read = false;
  const versions: string[] = [];
  for (const file of files) {
    let text: string | null;
    try {
      text = apkIndexText(await readFile(join(indexDir, file)));
    } catch {
      continue;
    }
    if (text === null) continue;
    read = true;
    versions.push(...indexedVersions(text).flatMap((p) => (p.name === name ? [p.version] : [])));
  }
  return read ? versions : null;
}
