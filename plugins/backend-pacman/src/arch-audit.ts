import type { Advisory } from '@linux-patch-api/core';
import { AdvisoryFeedFile, LpaError, normalizeSeverity } from '@linux-patch-api/core';

/** One Arch Vulnerability Group entry that names a fixed version. */
export interface ArchAvg {
  name: string;
  fixed: string;
  severity: string | null;
  type: string | null;
  issues: string[];
}

const AVG_URL = 'https://security.archlinux.org/';

/**
 * The Arch security tracker's AVG list as arch-audit reads it (`https://security.archlinux.org/issues/all.json`,
 * synced by the operator): `[{name: "AVG-…", packages: [pkgname…], status, severity, type, affected,
 * fixed, ticket, issues: [CVE-…], advisories: [ASA-…]}]`. Keeps, per package name, the groups that
 * name a fixed version (`fixed: null` means still vulnerable: no update fixes it; `Not affected`
 * groups are left out).
 */
export function parseArchAudit(document: unknown): Map<string, ArchAvg[]> {
  if (!Array.isArray(document)) throw new LpaError('LPA_ERR_BACKEND', 'the arch-audit file is not a JSON list of AVG entries');
  const byPackage = new Map<string, ArchAvg[]>();
  for (const entry of document) {
    const avg = entry as {
      name?: unknown;
      packages?: unknown;
      status?: unknown;
      severity?: unknown;
      type?: unknown;
      fixed?: unknown;
      issues?: unknown;
    } | null;
    if (typeof avg?.name !== 'string' || !Array.isArray(avg.packages)) continue;
    if (typeof avg.fixed !== 'string' || avg.fixed === '' || avg.status === 'Not affected') continue;
    const record: ArchAvg = {
      name: avg.name,
      fixed: avg.fixed,
      severity: typeof avg.severity === 'string' ? avg.severity : null,
      type: typeof avg.type === 'string' ? avg.type : null,
      issues: Array.isArray(avg.issues) ? avg.issues.filter((issue): issue is string => typeof issue === 'string') : [],
    };
    for (const pkg of avg.packages) {
      if (typeof pkg !== 'string') continue;
      byPackage.set(pkg, [...(byPackage.get(pkg) ?? []), record]);
    }
  }
  return byPackage;
}

/** The groups an update from `current` to `available` fixes: fixed after the installed version, at or before the new one. */
export function archAuditAdvisories(
  avgs: readonly ArchAvg[],
  current: string,
  available: string,
  compare: (a: string, b: string) => number,
): Advisory[] {
  return avgs
    .filter((avg) => compare(avg.fixed, current) > 0 && compare(avg.fixed, available) <= 0)
    .map((avg) => ({
      id: avg.name,
      type: 'security',
      severity: normalizeSeverity(avg.severity),
      severity_raw: avg.severity,
      cves: avg.issues.filter((issue) => /^CVE-\d{4}-\d+$/.test(issue)),
      source: 'arch-security',
      url: `${AVG_URL}${encodeURIComponent(avg.name)}`,
      issued: null,
    }));
}

/** The arch-audit feed file, parsed once per file state. */
export class ArchAuditFeed extends AdvisoryFeedFile<Map<string, ArchAvg[]>> {
  constructor() {
    super('arch-audit', parseArchAudit);
  }
}
