/**
 * Debian version ordering, as dpkg implements it (deb-version(7)): epoch numerically, then the
 * upstream version and the revision with dpkg's mixed lexical/numeric comparison, where `~` sorts
 * before everything (even the end of the string) and letters sort before non-letters.
 */
export interface DebianVersion {
  epoch: number;
  upstream: string;
  revision: string;
}

export function parseDebianVersion(version: string): DebianVersion {
  const trimmed = version.trim();
  const colon = trimmed.indexOf(':');
  const epoch = colon === -1 ? 0 : Number.parseInt(trimmed.slice(0, colon), 10);
  const rest = colon === -1 ? trimmed : trimmed.slice(colon + 1);
  const hyphen = rest.lastIndexOf('-');
  return {
    epoch: Number.isNaN(epoch) ? 0 : epoch,
    upstream: hyphen === -1 ? rest : rest.slice(0, hyphen),
    revision: hyphen === -1 ? '' : rest.slice(hyphen + 1),
  };
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function isAlpha(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

/** dpkg's order(): `~` first, then the end of a part, then letters, then everything else. */
function order(code: number | undefined): number {
  if (code === undefined) return 0;
  if (isDigit(code)) return 0;
  if (isAlpha(code)) return code;
  if (code === 126) return -1;
  return code + 256;
}

/** dpkg's verrevcmp(). */
function compareFragment(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let firstDiff = 0;
    while ((i < a.length && !isDigit(a.charCodeAt(i))) || (j < b.length && !isDigit(b.charCodeAt(j)))) {
      const ac = order(i < a.length ? a.charCodeAt(i) : undefined);
      const bc = order(j < b.length ? b.charCodeAt(j) : undefined);
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (a.charCodeAt(i) === 48) i++;
    while (b.charCodeAt(j) === 48) j++;
    while (i < a.length && isDigit(a.charCodeAt(i)) && j < b.length && isDigit(b.charCodeAt(j))) {
      if (firstDiff === 0) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (i < a.length && isDigit(a.charCodeAt(i))) return 1;
    if (j < b.length && isDigit(b.charCodeAt(j))) return -1;
    if (firstDiff !== 0) return firstDiff;
  }
  return 0;
}

/** <0, 0, >0 as `dpkg --compare-versions a lt|eq|gt b` would answer. */
export function compareDebianVersions(a: string, b: string): number {
  const left = parseDebianVersion(a);
  const right = parseDebianVersion(b);
  if (left.epoch !== right.epoch) return left.epoch > right.epoch ? 1 : -1;
  const upstream = compareFragment(left.upstream, right.upstream);
  if (upstream !== 0) return Math.sign(upstream);
  return Math.sign(compareFragment(left.revision, right.revision));
}
