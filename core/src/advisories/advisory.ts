import type { Advisory, AdvisorySeverity, Classification, Upgrade } from '../contracts/backend.js';

/**
 * The one severity scale of GET /patches, from each distribution's own words: Red Hat's
 * Critical/Important/Moderate/Low, the Debian tracker's urgencies (high/medium/low/unimportant,
 * "not yet assigned"), Alpine and Arch's Critical/High/Medium/Low. Anything else is `unknown`; the
 * distribution's word stays in `severity_raw`.
 */
export function normalizeSeverity(raw: string | null | undefined): AdvisorySeverity {
  const word = (raw ?? '').trim().toLowerCase().replace(/\*+$/, '');
  switch (word) {
    case 'critical':
      return 'critical';
    case 'important':
    case 'high':
      return 'high';
    case 'moderate':
    case 'medium':
      return 'medium';
    case 'low':
    case 'negligible':
    case 'unimportant':
      return 'low';
    default:
      return 'unknown';
  }
}

const SEVERITY_ORDER: readonly AdvisorySeverity[] = ['unknown', 'low', 'medium', 'high', 'critical'];

/** The higher of two normalized severities. */
export function higherSeverity(a: AdvisorySeverity, b: AdvisorySeverity): AdvisorySeverity {
  return SEVERITY_ORDER.indexOf(a) >= SEVERITY_ORDER.indexOf(b) ? a : b;
}

/**
 * An update's classification: `security` when an advisory or the distribution's own metadata
 * says so, else `bugfix` or `enhancement` from the advisories, else `unknown`.
 */
export function classify(advisories: readonly Advisory[], security: boolean | null): Classification {
  if (security === true || advisories.some((advisory) => advisory.type === 'security')) return 'security';
  if (advisories.some((advisory) => advisory.type === 'bugfix')) return 'bugfix';
  if (advisories.some((advisory) => advisory.type === 'enhancement')) return 'enhancement';
  return 'unknown';
}

/**
 * The advisories of an update as GET /patches shows them: the backend's own records, or, for a
 * backend that gives only ids (plugin API 1.0), one record per id with what the update says.
 */
export function advisoriesOf(upgrade: Upgrade, source: string): Advisory[] {
  if (upgrade.advisory_records !== undefined) return upgrade.advisory_records;
  return upgrade.advisories.map((id) => ({
    id,
    type: upgrade.security === true ? 'security' : 'unknown',
    severity: normalizeSeverity(upgrade.severity),
    severity_raw: upgrade.severity,
    cves: /^CVE-\d{4}-\d+$/.test(id) ? [id] : [],
    source,
    url: null,
    issued: null,
  }));
}
