/**
 * libalpm's version ordering (alpm_pkg_vercmp): `[epoch:]pkgver[-pkgrel]`, epochs default to 0, the
 * release is compared only when both sides have one, and each part goes through alpm's variant of
 * rpmvercmp. It works on bytes with C-locale character classes, as libalpm does, so non-ASCII bytes
 * count as separators.
 */

const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

function isDigit(byte: number | undefined): boolean {
  return byte !== undefined && byte >= DIGIT_0 && byte <= DIGIT_9;
}

function isAlpha(byte: number | undefined): boolean {
  return byte !== undefined && ((byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a));
}

function isAlnum(byte: number | undefined): boolean {
  return isDigit(byte) || isAlpha(byte);
}

function compareBytes(a: Uint8Array, aStart: number, aEnd: number, b: Uint8Array, bStart: number, bEnd: number): number {
  const length = Math.min(aEnd - aStart, bEnd - bStart);
  for (let i = 0; i < length; i++) {
    const diff = (a[aStart + i] as number) - (b[bStart + i] as number);
    if (diff !== 0) return diff < 0 ? -1 : 1;
  }
  const diff = aEnd - aStart - (bEnd - bStart);
  return diff === 0 ? 0 : diff < 0 ? -1 : 1;
}

/** alpm's rpmvercmp on one part (epoch, version or release). */
export function rpmvercmp(left: string, right: string): number {
  if (left === right) return 0;
  const a = Buffer.from(left, 'utf8');
  const b = Buffer.from(right, 'utf8');
  let one = 0;
  let two = 0;
  let ptr1 = 0;
  let ptr2 = 0;

  while (one < a.length && two < b.length) {
    while (one < a.length && !isAlnum(a[one])) one++;
    while (two < b.length && !isAlnum(b[two])) two++;
    if (!(one < a.length && two < b.length)) break;

    // Segments preceded by separators of different length decide the order on their own.
    if (one - ptr1 !== two - ptr2) return one - ptr1 < two - ptr2 ? -1 : 1;

    ptr1 = one;
    ptr2 = two;
    let isNumber: boolean;
    if (isDigit(a[ptr1])) {
      while (ptr1 < a.length && isDigit(a[ptr1])) ptr1++;
      while (ptr2 < b.length && isDigit(b[ptr2])) ptr2++;
      isNumber = true;
    } else {
      while (ptr1 < a.length && isAlpha(a[ptr1])) ptr1++;
      while (ptr2 < b.length && isAlpha(b[ptr2])) ptr2++;
      isNumber = false;
    }

    // A numeric segment against an alpha one: numbers are newer.
    if (two === ptr2) return isNumber ? 1 : -1;

    let start1 = one;
    let start2 = two;
    if (isNumber) {
      while (start1 < ptr1 && a[start1] === DIGIT_0) start1++;
      while (start2 < ptr2 && b[start2] === DIGIT_0) start2++;
      const digits1 = ptr1 - start1;
      const digits2 = ptr2 - start2;
      if (digits1 !== digits2) return digits1 > digits2 ? 1 : -1;
    }
    const segment = compareBytes(a, start1, ptr1, b, start2, ptr2);
    if (segment !== 0) return segment;

    one = ptr1;
    two = ptr2;
  }

  const oneDone = one >= a.length;
  const twoDone = two >= b.length;
  if (oneDone && twoDone) return 0;
  // A remaining alpha segment never beats an empty string ("1.0a" < "1.0" < "1.0.1").
  if ((oneDone && !isAlpha(b[two])) || isAlpha(a[one])) return -1;
  return 1;
}

interface Evr {
  epoch: string;
  version: string;
  release: string | null;
}

function parseEvr(evr: string): Evr {
  let s = 0;
  while (s < evr.length && isDigit(evr.charCodeAt(s))) s++;
  let epoch = '0';
  let rest = evr;
  if (evr[s] === ':') {
    epoch = s === 0 ? '0' : evr.slice(0, s);
    rest = evr.slice(s + 1);
  }
  // libalpm searches for the release separator from the end of the epoch digits on.
  const dash = evr.lastIndexOf('-');
  if (dash < s) return { epoch, version: rest, release: null };
  const versionEnd = dash - (evr.length - rest.length);
  return { epoch, version: rest.slice(0, versionEnd), release: rest.slice(versionEnd + 1) };
}

/** Compares two full pacman versions; <0, 0, >0 like `vercmp`. */
export function vercmp(a: string, b: string): number {
  if (a === b) return 0;
  const left = parseEvr(a);
  const right = parseEvr(b);
  let result = rpmvercmp(left.epoch, right.epoch);
  if (result === 0) {
    result = rpmvercmp(left.version, right.version);
    if (result === 0 && left.release !== null && right.release !== null) {
      result = rpmvercmp(left.release, right.release);
    }
  }
  return result;
}
