/**
 * apk-tools' version ordering (src/version.c of apk-tools 2.x), which follows Gentoo's scheme:
 * `digits{.digits}…[letter]{_suffix[digits]}…[-rN]`. Pre-release suffixes `_alpha _beta _pre _rc`
 * sort before the bare version, post-release ones `_cvs _svn _git _hg _p` after it; a number with
 * leading zeros after a dot compares as a fraction (1.01 < 1.1); `-rN` is the package revision.
 */

enum Token {
  Invalid = -1,
  DigitOrZero = 0,
  Digit = 1,
  Letter = 2,
  Suffix = 3,
  SuffixNumber = 4,
  RevisionNumber = 5,
  End = 6,
}

const PRE_SUFFIXES = ['alpha', 'beta', 'pre', 'rc'];
const POST_SUFFIXES = ['cvs', 'svn', 'git', 'hg', 'p'];

function isDigit(char: string | undefined): boolean {
  return char !== undefined && char >= '0' && char <= '9';
}

function isLower(char: string | undefined): boolean {
  return char !== undefined && char >= 'a' && char <= 'z';
}

/** A cursor over one version string, yielding (type, value) tokens as apk's get_token does. */
class Tokenizer {
  type: Token = Token.Digit;
  #text: string;
  #pos = 0;

  constructor(text: string) {
    this.#text = text;
  }

  get #rest(): number {
    return this.#text.length - this.#pos;
  }

  #advanceType(): void {
    const char = this.#text[this.#pos];
    let next: Token = Token.Invalid;
    if (this.#rest === 0 || char === '\u0000') {
      next = Token.End;
    } else if ((this.type === Token.Digit || this.type === Token.DigitOrZero) && isLower(char)) {
      next = Token.Letter;
    } else if (this.type === Token.Letter && isDigit(char)) {
      next = Token.Digit;
    } else if (this.type === Token.Suffix && isDigit(char)) {
      next = Token.SuffixNumber;
    } else {
      if (char === '.') next = Token.DigitOrZero;
      else if (char === '_') next = Token.Suffix;
      else if (char === '-') {
        if (this.#rest > 1 && this.#text[this.#pos + 1] === 'r') {
          next = Token.RevisionNumber;
          this.#pos++;
        }
      }
      this.#pos++;
    }
    if (next < this.type) {
      const allowed =
        (next === Token.DigitOrZero && this.type === Token.Digit) ||
        (next === Token.Suffix && this.type === Token.SuffixNumber) ||
        (next === Token.Digit && this.type === Token.Letter);
      if (!allowed) next = Token.Invalid;
    }
    this.type = next;
  }

  /**
   * The suffix at the cursor without consuming it: its value (negative for pre-release suffixes)
   * and length, or null when it is none apk knows.
   */
  suffix(): { value: number; length: number } | null {
    const pre = PRE_SUFFIXES.findIndex((suffix) => this.#text.startsWith(suffix, this.#pos));
    if (pre !== -1) return { value: pre - PRE_SUFFIXES.length, length: (PRE_SUFFIXES[pre] as string).length };
    const post = POST_SUFFIXES.findIndex((suffix) => this.#text.startsWith(suffix, this.#pos));
    if (post !== -1) return { value: post, length: (POST_SUFFIXES[post] as string).length };
    return null;
  }

  /** The value of the token at the cursor; moves `type` on to the next token's type. */
  next(): number {
    if (this.#rest <= 0) {
      this.type = Token.End;
      return 0;
    }
    let value = 0;
    let length = 0;
    let forcedNext: Token = Token.Invalid;
    const at = (offset: number) => this.#text[this.#pos + offset];
    const leadingZeros = this.type === Token.DigitOrZero && at(0) === '0';
    switch (leadingZeros ? 'zeros' : this.type) {
      case 'zeros':
        // Leading zeros after a dot make their own token: more zeros sort lower (1.001 < 1.01 < 1.1).
        while (length < this.#rest && at(length) === '0') length++;
        forcedNext = Token.Digit;
        value = -length;
        break;
      case Token.DigitOrZero:
      case Token.Digit:
      case Token.SuffixNumber:
      case Token.RevisionNumber:
        while (length < this.#rest && isDigit(at(length))) {
          value = value * 10 + (at(length)?.charCodeAt(0) ?? 48) - 48;
          length++;
        }
        break;
      case Token.Letter:
        value = at(0)?.charCodeAt(0) ?? 0;
        length = 1;
        break;
      case Token.Suffix: {
        const suffix = this.suffix();
        if (suffix === null) {
          this.type = Token.Invalid;
          return -1;
        }
        value = suffix.value;
        length = suffix.length;
        break;
      }
      default:
        this.type = Token.Invalid;
        return -1;
    }
    this.#pos += length;
    if (this.#rest === 0) this.type = Token.End;
    else if (forcedNext !== Token.Invalid) this.type = forcedNext;
    else this.#advanceType();
    return value;
  }
}

/**
 * <0, 0, >0 as apk orders the two versions. Invalid versions compare by their valid prefix, as apk
 * does. One quirk is kept on purpose because apk has it: a component made only of zeros is read by
 * the leading-zero rule, so `1.0_rc1` sorts after `1.0` (while `1.1_rc1` sorts before `1.1`).
 */
export function compareApkVersions(a: string, b: string): number {
  const left = new Tokenizer(a);
  const right = new Tokenizer(b);
  let av = 0;
  let bv = 0;
  while (left.type === right.type && left.type !== Token.End && left.type !== Token.Invalid && av === bv) {
    av = left.next();
    bv = right.next();
  }
  if (av < bv) return -1;
  if (av > bv) return 1;
  if (left.type === right.type) return 0;

  // Equal so far; the longer one is newer unless what follows is a pre-release (or unknown) suffix.
  if (left.type === Token.Suffix && (left.suffix()?.value ?? -1) < 0) return -1;
  if (right.type === Token.Suffix && (right.suffix()?.value ?? -1) < 0) return 1;
  if (left.type > right.type) return -1;
  if (right.type > left.type) return 1;
  return 0;
}

/** Whether apk accepts `version` as a version (apk_version_validate): it tokenizes to the end. */
export function isValidApkVersion(version: string): boolean {
  const tokenizer = new Tokenizer(version);
  while (tokenizer.type !== Token.End && tokenizer.type !== Token.Invalid) tokenizer.next();
  return tokenizer.type === Token.End;
}
