import { readFile } from 'node:fs/promises';
import type { OsRelease } from '../contracts/os-release.js';

/** Parses os-release(5) text: KEY=value lines, values optionally quoted with shell escapes. */
export function parseOsRelease(text: string): OsRelease {
  const fields: Record<string, string> = {};
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    let value = line.slice(eq + 1);
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.endsWith(quote) && value.length >= 2) {
      value = value.slice(1, -1);
      if (quote === '"') value = value.replace(/\\(["\\$`])/g, '$1');
    }
    fields[key] = value;
  }
  return {
    id: (fields.ID ?? 'linux').toLowerCase(),
    idLike: (fields.ID_LIKE ?? '').toLowerCase().split(/\s+/).filter(Boolean),
    name: fields.NAME ?? 'Linux',
    versionId: fields.VERSION_ID ?? null,
    prettyName: fields.PRETTY_NAME ?? null,
    fields,
  };
}

/** Reads /etc/os-release, falling back to /usr/lib/os-release, under `root` when given. */
export async function readOsRelease(root: string | null = null): Promise<OsRelease> {
  const prefix = root ?? '';
  for (const path of [`${prefix}/etc/os-release`, `${prefix}/usr/lib/os-release`]) {
    try {
      return parseOsRelease(await readFile(path, 'utf8'));
    } catch {
      /* try the next */
    }
  }
  return parseOsRelease('');
}
