import type { Advisory } from '@linux-patch-api/core';
import { AdvisoryFeedFile, LpaError, normalizeSeverity } from '@linux-patch-api/core';

/** One CVE the Debian security tracker marks fixed in a source package for one release. */
export interface TrackerFix {
  cve: string;
  fixedVersion: string;
  urgency: string | null;
}

const TRACKER_URL = 'https://security-tracker.debian.org/tracker/';

/**
 * The Debian security tracker's JSON (`https://security-tracker.debian.org/tracker/data/json`, synced
 * by the operator): `{source: {CVE-id: {releases: {codename: {status, fixed_version, urgency, …}}}}}`.
 * Keeps, for one release, the CVEs marked `resolved` with a real fixed version (`0` means the release
 * was never affected).
 */
export function parseDebianTracker(document: unknown, codename: string): Map<string, TrackerFix[]> {
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw new LpaError('LPA_ERR_BACKEND', 'the Debian security tracker file is not a JSON object of source packages');
  }
  const bySource = new Map<string, TrackerFix[]>();
  for (const [source, issues] of Object.entries(document as Record<string, unknown>)) {
    if (issues === null || typeof issues !== 'object') continue;
    for (const [cve, issue] of Object.entries(issues as Record<string, unknown>)) {
      const release = (issue as { releases?: Record<string, unknown> } | null)?.releases?.[codename] as
        | { status?: unknown; fixed_version?: unknown; urgency?: unknown }
        | undefined;
      if (release?.status !== 'resolved' || typeof release.fixed_version !== 'string') continue;
      if (release.fixed_version === '0' || release.fixed_version === '') continue;
      const fixes = bySource.get(source) ?? [];
      fixes.push({
        cve,
        fixedVersion: release.fixed_version,
        urgency: typeof release.urgency === 'string' ? release.urgency : null,
      });
      bySource.set(source, fixes);
    }
  }
  return bySource;
}

/** The tracker's CVEs an update from `current` to `available` fixes: fixed after the installed version, at or before the new one. */
export function trackerAdvisories(
  fixes: readonly TrackerFix[],
  current: string,
  available: string,
  compare: (a: string, b: string) => number,
): Advisory[] {
  return fixes
    .filter((fix) => compare(fix.fixedVersion, current) > 0 && compare(fix.fixedVersion, available) <= 0)
    .map((fix) => ({
      id: fix.cve,
      type: 'security',
      severity: normalizeSeverity(fix.urgency),
      severity_raw: fix.urgency,
      cves: fix.cve.startsWith('CVE-') ? [fix.cve] : [],
      source: 'debian-security-tracker',
      url: `${TRACKER_URL}${encodeURIComponent(fix.cve)}`,
      issued: null,
    }));
}

/** `apt-cache show name=version…`: the source package of each (`Source:`, else the package itself). */
export function parseSourcePackages(output: string): Map<string, string> {
  const sources = new Map<string, string>();
  for (const stanza of output.split(/\n\s*\n/)) {
    const name = /^Package: (\S+)$/m.exec(stanza)?.[1];
    const version = /^Version: (\S+)$/m.exec(stanza)?.[1];
    if (name === undefined || version === undefined) continue;
    sources.set(`${name}=${version}`, /^Source: (\S+)/m.exec(stanza)?.[1] ?? name);
  }
  return sources;
}

/** The tracker file parsed for one release (the variant), kept until the file changes. */
export class DebianTrackerFeed extends AdvisoryFeedFile<Map<string, TrackerFix[]>> {
  constructor() {
    super('Debian security tracker', parseDebianTracker);
  }
}
