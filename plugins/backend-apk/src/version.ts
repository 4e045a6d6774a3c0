/**
 * apk-tools' version ordering (as apk-tools 2.14 compares): `digits{.digits}…[letter]{_suffix[digits]}…[-rN]`.
 *
 * A version is read as a sequence of tokens: the leading number, `.number` components, one letter,
 * `_suffix` with an optional number, and the `-rN` revision. Two versions are compared token by
 * token while both have a token of the same kind:
 * - numbers compare numerically, except a `.` component where either side starts with `0`, which
 *   compares as text (so `1.01 < 1.1` and `1.001 < 1.01`, as in Gentoo);
 * - letters by character, suffixes by rank `alpha < beta < pre < rc < (none) < cvs < svn < git < hg < p`.
 * When one version runs out (or the kinds differ), the longer one is newer unless what follows is a
 * pre-release suffix: `1.0_rc1 < 1.0`, `1.0 < 1.0_p1`, `1.0 < 1.0-r1`, `1.0 < 1.0.1`. A version apk
 * cannot read compares by the part it could read.
 */

enum Kind {
  Initial = 0,
  Digit = 1,
  Letter = 2,
  Suffix = 3,
  SuffixNumber = 4,
  Revision = 5,
  End = 6,
  Invalid = 7,
}

/** Suffix ranks; `NONE` is the rank of no suffix, pre-release ranks are below it. */
const SUFFIX_RANK: Readonly<Record<string, number>> = {
  alpha: 1,
  beta: 2,
  pre: 3,
  rc: 4,
  cvs: 6,
  svn: 7,
  git: 8,
  hg: 9,
  p: 10,
};
const NONE = 5;

interface Token {
  kind: Kind;
  /** The token's text (digits, the letter, the suffix name). */
  text: string;
}

/** Reads a version token by token; `kind` is the kind of the token last read. */
class VersionReader {
  readonly #text: string;
  #pos = 0;
  token: Token;

  constructor(text: string) {
    this.#text = text;
    const digits = this.#span(isDigit);
    this.token = { kind: digits === '' ? Kind.Invalid : Kind.Initial, text: digits };
  }

  #span(accept: (char: string) => boolean): string {
    const start = this.#pos;
    while (this.#pos < this.#text.length && accept(this.#text[this.#pos] as string)) this.#pos++;
    return this.#text.slice(start, this.#pos);
  }

  advance(): void {
    this.token = this.#read(this.token.kind);
  }

  #read(previous: Kind): Token {
    const invalid: Token = { kind: Kind.Invalid, text: '' };
    if (this.#pos >= this.#text.length) return { kind: Kind.End, text: '' };
    const char = this.#text[this.#pos] as string;
    if (isLower(char)) {
      // A letter follows the numeric part only.
      if (previous > Kind.Digit) return invalid;
      this.#pos++;
      return { kind: Kind.Letter, text: char };
    }
    if (char === '.' || isDigit(char)) {
      if (char === '.') {
        if (previous > Kind.Digit) return invalid;
        this.#pos++;
      }
      const digits = this.#span(isDigit);
      if (previous === Kind.Suffix) return { kind: Kind.SuffixNumber, text: digits };
      if (previous === Kind.Initial || previous === Kind.Digit) return { kind: Kind.Digit, text: digits };
      return invalid;
    }
    if (char === '_') {
      if (previous > Kind.SuffixNumber) return invalid;
      this.#pos++;
      const name = this.#span(isLower);
      return SUFFIX_RANK[name] === undefined ? invalid : { kind: Kind.Suffix, text: name };
    }
    if (char === '-') {
      if (previous >= Kind.Revision || this.#text[this.#pos + 1] !== 'r') return invalid;
      this.#pos += 2;
      return { kind: Kind.Revision, text: this.#span(isDigit) };
    }
    return invalid;
  }
}

function isDigit(char: string): boolean {
  return char >= '0' && char <= '9';
}

function isLower(char: string): boolean {
  return char >= 'a' && char <= 'z';
}

function sign(value: number): number {
  return value < 0 ? -1 : value > 0 ? 1 : 0;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareNumbers(a: string, b: string): number {
  const left = BigInt(a === '' ? '0' : a);
  const right = BigInt(b === '' ? '0' : b);
  return left < right ? -1 : left > right ? 1 : 0;
}

/** Two tokens of the same kind. */
function compareTokens(a: Token, b: Token): number {
  switch (a.kind) {
    case Kind.Digit:
      if (a.text.startsWith('0') || b.text.startsWith('0')) return compareText(a.text, b.text);
      return compareNumbers(a.text, b.text);
    case Kind.Initial:
    case Kind.SuffixNumber:
    case Kind.Revision:
      return compareNumbers(a.text, b.text);
    case Kind.Letter:
      return compareText(a.text, b.text);
    case Kind.Suffix:
      return sign((SUFFIX_RANK[a.text] ?? 0) - (SUFFIX_RANK[b.text] ?? 0));
    default:
      return compareText(a.text, b.text);
  }
}

function isPreRelease(token: Token): boolean {
  return token.kind === Kind.Suffix && (SUFFIX_RANK[token.text] ?? NONE) < NONE;
}

/** <0, 0, >0 as apk orders the two versions. */
export function compareApkVersions(a: string, b: string): number {
  const left = new VersionReader(a);
  const right = new VersionReader(b);
  while (left.token.kind === right.token.kind && left.token.kind < Kind.End) {
    const order = compareTokens(left.token, right.token);
    if (order !== 0) return order;
    left.advance();
    right.advance();
  }
  const l = left.token;
  const r = right.token;
  if (l.kind === r.kind) return 0;
  // Equal so far: the one that goes on is newer, unless it goes on with a pre-release suffix.
  if (isPreRelease(l)) return -1;
  if (isPreRelease(r)) return 1;
  return l.kind > r.kind ? -1 : 1;
}

/** Whether apk accepts `version` as a version: it reads to the end without an invalid token. */
export function isValidApkVersion(version: string): boolean {
  const reader = new VersionReader(version);
  while (reader.token.kind < Kind.End) reader.advance();
  return reader.token.kind === Kind.End;
}
