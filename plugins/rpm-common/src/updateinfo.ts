import type { Advisory } from '@linux-patch-api/core';
import { normalizeSeverity } from '@linux-patch-api/core';
import { type Nevra, parseNevra } from './nevra.js';

/** One row of `updateinfo list` (dnf) / `updateinfo list` (yum 3): advisory, kind, package. */
export interface AdvisoryRow {
  /** Advisory id (RHSA-…, FEDORA-…) or, in the CVE listing, the CVE id. */
  id: string;
  security: boolean;
  /** Critical / Important / Moderate / Low; null when not given. */
  severity: string | null;
  /** bugfix, enhancement, newpackage, security. */
  type: string;
  package: Nevra;
}

const TYPES = new Set(['bugfix', 'enhancement', 'newpackage', 'security', 'unknown']);

/**
 * Parses `ID  TYPE  NEVRA [date]` rows. TYPE is `bugfix` / `enhancement` / `newpackage`, or for a
 * security advisory `Severity/Sec.` (`Unknown/Sec.` or `security` when it has no severity).
 */
export function parseUpdateinfoList(output: string): AdvisoryRow[] {
  const rows: AdvisoryRow[] = [];
  for (const line of output.split('\n')) {
    const [id, kind, nevraText] = line.trim().split(/\s+/);
    if (id === undefined || kind === undefined || nevraText === undefined) continue;
    const pkg = parseNevra(nevraText);
    if (pkg === null) continue;
    const secMatch = /^(\w+)\/Sec\.$/.exec(kind);
    if (secMatch) {
      const severity = secMatch[1] === 'Unknown' ? null : (secMatch[1] ?? null);
      rows.push({ id, security: true, severity, type: 'security', package: pkg });
    } else if (TYPES.has(kind)) {
      rows.push({ id, security: kind === 'security', severity: null, type: kind, package: pkg });
    }
  }
  return rows;
}

const ADVISORY_TYPES: Readonly<Record<string, Advisory['type']>> = {
  security: 'security',
  bugfix: 'bugfix',
  enhancement: 'enhancement',
  newpackage: 'enhancement',
};

/**
 * The advisories of one update in the format of GET /patches, from its `updateinfo list` rows and
 * its `updateinfo list --with-cve` rows (whose id is the CVE): each CVE row goes with the security
 * advisories of the same package build. A CVE no advisory row covers becomes its own record.
 */
export function advisoryRecords(rows: readonly AdvisoryRow[]): Advisory[] {
  const isCve = (row: AdvisoryRow) => /^CVE-\d{4}-\d+$/.test(row.id);
  const samePackage = (a: AdvisoryRow, b: AdvisoryRow) =>
    a.package.name === b.package.name && a.package.evr === b.package.evr && a.package.arch === b.package.arch;
  const advisories = rows.filter((row) => !isCve(row));
  const cves = rows.filter(isCve);
  const records = new Map<string, Advisory>();
  for (const row of advisories) {
    const record = records.get(row.id) ?? {
      id: row.id,
      type: ADVISORY_TYPES[row.type] ?? 'unknown',
      severity: normalizeSeverity(row.severity),
      severity_raw: row.severity,
      cves: [],
      source: 'updateinfo',
      url: null,
      issued: null,
    };
    if (row.security) {
      for (const cve of cves) if (samePackage(cve, row) && !record.cves.includes(cve.id)) record.cves.push(cve.id);
    }
    records.set(row.id, record);
  }
  for (const cve of cves) {
    if ([...records.values()].some((record) => record.cves.includes(cve.id)) || records.has(cve.id)) continue;
    records.set(cve.id, {
      id: cve.id,
      type: 'security',
      severity: normalizeSeverity(cve.severity),
      severity_raw: cve.severity,
      cves: [cve.id],
      source: 'updateinfo',
      url: null,
      issued: null,
    });
  }
  return [...records.values()];
}
