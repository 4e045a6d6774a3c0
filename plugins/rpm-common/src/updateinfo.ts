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
