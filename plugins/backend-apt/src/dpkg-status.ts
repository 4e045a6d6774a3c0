import type { InstalledPackage } from '@linux-patch-api/core';

/**
 * Parses dpkg's status database (deb822 stanzas) into the installed set, exactly the packages
 * `dpkg-query -W` lists: every stanza whose status is not `not-installed` (kept on request, so a
 * journal entry can override an older record).
 */
export function parseDpkgStatus(text: string, options: { keepNotInstalled?: boolean } = {}): InstalledPackage[] {
  const packages: InstalledPackage[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = parseStanza(stanza);
    const name = fields.get('package');
    const status = fields.get('status');
    if (name === undefined || status === undefined) continue;
    // "want flag state", e.g. "install ok installed", "deinstall ok config-files".
    const state = status.trim().split(/\s+/)[2] ?? 'unknown';
    if (state === 'not-installed' && !options.keepNotInstalled) continue;
    const size = fields.get('installed-size');
    const kib = size === undefined ? Number.NaN : Number.parseInt(size, 10);
    const description = fields.get('description');
    packages.push({
      name,
      version: fields.get('version') ?? '',
      architecture: fields.get('architecture') ?? null,
      status: state,
      description: description === undefined ? null : (description.split('\n')[0] ?? '').trim() || null,
      installed_size: Number.isFinite(kib) ? kib * 1024 : null,
    });
  }
  return packages;
}

/** The packages whose dpkg selection is `hold` (`apt-mark hold`, `dpkg --set-selections`). */
export function parseDpkgHolds(text: string): string[] {
  const held: string[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = parseStanza(stanza);
    const name = fields.get('package');
    if (name !== undefined && fields.get('status')?.trim().split(/\s+/)[0] === 'hold') held.push(name);
  }
  return held;
}

function parseStanza(stanza: string): Map<string, string> {
  const fields = new Map<string, string>();
  let current: string | null = null;
  for (const line of stanza.split('\n')) {
    if (line.length === 0) continue;
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (current !== null) fields.set(current, `${fields.get(current)}\n${line.slice(1)}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    current = line.slice(0, colon).toLowerCase();
    fields.set(current, line.slice(colon + 1).trim());
  }
  return fields;
}
