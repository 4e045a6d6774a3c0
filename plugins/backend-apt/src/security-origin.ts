/**
 * Whether an update comes from a security archive, judged from the release descriptions apt
 * prints for the candidate version (`Label:Version/Suite` or `Label:Suite`, comma separated, e.g.
 * `Debian:12.5/stable, Debian-Security:12/stable-security`). true when any of them is a
 * `*-security` suite or a `*-Security` label, false when apt named at least one origin and none is,
 * null when apt named none.
 */
export interface ReleaseOrigin {
  label: string | null;
  suite: string | null;
}

export function parseReleaseOrigins(text: string): ReleaseOrigin[] {
  const origins: ReleaseOrigin[] = [];
  for (const part of text.split(',')) {
    const entry = part.trim();
    if (entry.length === 0) continue;
    const colon = entry.indexOf(':');
    const label = colon === -1 ? null : entry.slice(0, colon);
    const rest = colon === -1 ? entry : entry.slice(colon + 1);
    const slash = rest.lastIndexOf('/');
    const suite = slash === -1 ? rest : rest.slice(slash + 1);
    origins.push({ label: label || null, suite: suite || null });
  }
  return origins;
}

const SECURITY = /(?:^|[-_/ ])security$/i;

export function isSecurityOrigin(origin: ReleaseOrigin): boolean {
  return (origin.suite !== null && SECURITY.test(origin.suite)) || (origin.label !== null && SECURITY.test(origin.label));
}

export function classifySecurity(origins: readonly ReleaseOrigin[]): boolean | null {
  if (origins.length === 0) return null;
  return origins.some(isSecurityOrigin);
}
