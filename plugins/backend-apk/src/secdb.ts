import type { Advisory } from '@linux-patch-api/core';
import { AdvisoryFeedFile, LpaError } from '@linux-patch-api/core';

/** One fix the Alpine secdb records: the package version that fixes these ids. */
export interface SecfixEntry {
  version: string;
  ids: string[];
}

/**
 * Alpine's secdb JSON (`https://secdb.alpinelinux.org/<release>/main.json`, synced by the operator):
 * `{distroversion, reponame, packages: [{pkg: {name, secfixes: {version: ["CVE-… [XSA-…]", …]}}}]}`.
 * A version `0` lists ids that never affected Alpine's package; those are left out.
 */
export function parseSecdb(document: unknown): Map<string, SecfixEntry[]> {
  const packages = (document as { packages?: unknown } | null)?.packages;
  if (!Array.isArray(packages)) throw new LpaError('LPA_ERR_BACKEND', 'the Alpine secdb file has no packages list');
  const byName = new Map<string, SecfixEntry[]>();
  for (const entry of packages) {
    const pkg = (entry as { pkg?: { name?: unknown; secfixes?: unknown } } | null)?.pkg;
    if (typeof pkg?.name !== 'string' || pkg.secfixes === null || typeof pkg.secfixes !== 'object') continue;
    const fixes: SecfixEntry[] = [];
    for (const [version, ids] of Object.entries(pkg.secfixes as Record<string, unknown>)) {
      if (version === '0' || !Array.isArray(ids)) continue;
      // An entry may name several ids at once: "CVE-2023-1234 XSA-400".
      fixes.push({ version, ids: ids.flatMap((id) => (typeof id === 'string' ? id.split(/\s+/).filter(Boolean) : [])) });
    }
    byName.set(pkg.name, [...(byName.get(pkg.name) ?? []), ...fixes]);
  }
  return byName;
}

/** The ids an update from `current` to `available` fixes, one advisory per id (secdb has no severities). */
export function secdbAdvisories(
  fixes: readonly SecfixEntry[],
  current: string,
  available: string,
  compare: (a: string, b: string) => number,
): Advisory[] {
  return fixes
    .filter((fix) => compare(fix.version, current) > 0 && compare(fix.version, available) <= 0)
    .flatMap((fix) => fix.ids)
    .map((id) => ({
      id,
      type: 'security',
      severity: 'unknown',
      severity_raw: null,
      cves: id.startsWith('CVE-') ? [id] : [],
      source: 'alpine-secdb',
      url: id.startsWith('CVE-') ? `https://security.alpinelinux.org/vuln/${encodeURIComponent(id)}` : null,
      issued: null,
    }));
}

/** The secdb file, parsed once per file state. */
export class SecdbFeed extends AdvisoryFeedFile<Map<string, SecfixEntry[]>> {
  constructor() {
    super('Alpine secdb', parseSecdb);
  }
}
