/**
 * rpm's version ordering (rpmvercmp and EVR comparison), written natively so the agent compares
 * versions without starting a process. Checked differentially against rpm's own `rpm.vercmp`.
 */

export interface Evr {
  /** null when the version string carried no epoch (compares as 0). */
  epoch: string | null;
  version: string;
  /** null when the version string carried no release. */
  release: string | null;
}

const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isAlpha = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
const isAlnum = (c: string): boolean => isDigit(c) || isAlpha(c);

/** rpmvercmp(3): compares one version or release field. Returns -1, 0 or 1. */
export function rpmvercmp(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while (i < a.length && !isAlnum(a[i]!) && a[i] !== '~' && a[i] !== '^') i++;
    while (j < b.length && !isAlnum(b[j]!) && b[j] !== '~' && b[j] !== '^') j++;

    // A tilde sorts before everything, even the end of the string.
    if (a[i] === '~' || b[j] === '~') {
      if (a[i] !== '~') return 1;
      if (b[j] !== '~') return -1;
      i++;
      j++;
      continue;
    }
    // A caret sorts after the end of the string but before anything else.
    if (a[i] === '^' || b[j] === '^') {
      if (i >= a.length) return -1;
      if (j >= b.length) return 1;
      if (a[i] !== '^') return 1;
      if (b[j] !== '^') return -1;
      i++;
      j++;
      continue;
    }
    if (i >= a.length || j >= b.length) break;

    const numeric = isDigit(a[i]!);
    const inSegment = numeric ? isDigit : isAlpha;
    let endA = i;
    let endB = j;
    while (endA < a.length && inSegment(a[endA]!)) endA++;
    while (endB < b.length && inSegment(b[endB]!)) endB++;
    let segA = a.slice(i, endA);
    let segB = b.slice(j, endB);
    // segA cannot be empty here; an empty segB means the segment types differ: numbers are newer.
    if (segB.length === 0) return numeric ? 1 : -1;
    if (numeric) {
      segA = segA.replace(/^0+/, '');
      segB = segB.replace(/^0+/, '');
      if (segA.length !== segB.length) return segA.length > segB.length ? 1 : -1;
    }
    if (segA !== segB) return segA < segB ? -1 : 1;
    i = endA;
    j = endB;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}

/** Splits `[epoch:]version[-release]` the way rpm does (release after the last `-`). */
export function parseEvr(evr: string): Evr {
  let rest = evr;
  let epoch: string | null = null;
  const colon = rest.indexOf(':');
  if (colon !== -1 && /^\d*$/.test(rest.slice(0, colon))) {
    epoch = rest.slice(0, colon);
    rest = rest.slice(colon + 1);
  }
  const dash = rest.lastIndexOf('-');
  if (dash === -1) return { epoch, version: rest, release: null };
  return { epoch, version: rest.slice(0, dash), release: rest.slice(dash + 1) };
}

/**
 * Compares two `[epoch:]version[-release]` strings like rpm's `rpm.vercmp`: epoch (missing = 0),
 * then version, then release, where a present release sorts after a missing one.
 */
export function compareEvr(a: string, b: string): number {
  const x = parseEvr(a);
  const y = parseEvr(b);
  const byEpoch = rpmvercmp(x.epoch || '0', y.epoch || '0');
  if (byEpoch !== 0) return byEpoch;
  const byVersion = rpmvercmp(x.version, y.version);
  if (byVersion !== 0) return byVersion;
  if (x.release === null || y.release === null) return x.release === y.release ? 0 : x.release === null ? -1 : 1;
  return rpmvercmp(x.release, y.release);
}

/**
 * Orders a requested version against an installed one the way a package spec matches: a request
 * without a release (`1.0`) matches every release of that version, so only epoch and version count.
 */
export function compareRequested(requested: string, installed: string): number {
  const wanted = parseEvr(requested);
  if (wanted.release !== null) return compareEvr(requested, installed);
  const have = parseEvr(installed);
  return compareEvr(`${wanted.epoch ?? '0'}:${wanted.version}`, `${have.epoch ?? '0'}:${have.version}`);
}

/** `[epoch:]version-release`, the epoch shown only when the package sets one. */
export function formatEvr(epoch: string | null, version: string, release: string): string {
  return epoch === null || epoch === '' || epoch === '(none)' ? `${version}-${release}` : `${epoch}:${version}-${release}`;
}
