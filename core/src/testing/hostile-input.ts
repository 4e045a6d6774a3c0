/**
 * Input every backend must refuse before any process starts (SPEC §9). Exported so backends can use
 * the same lists in their own unit tests.
 */

const SHELL_METACHARACTERS = [';', '|', '&', '$', '`', '<', '>', '(', ')', '{', '}', '*', '?', '!', '~', "'", '"', '\\'];

const CONTROL_CHARACTERS = ['\u0000', '\u0001', '\t', '\n', '\r', '\u001b', '\u007f'];

/** Package names that could become options, paths, shell syntax or terminal escapes. */
export const HOSTILE_PACKAGE_NAMES: readonly string[] = [
  '',
  '-x',
  '-y',
  '--foo',
  '--version',
  '--root=/',
  'has space',
  ' leading',
  'trailing ',
  'a\u00a0b',
  'dir/name',
  '/etc/passwd',
  '..',
  '../x',
  'a..b',
  '$(touch lpa-pwned)',
  '`id`',
  ...SHELL_METACHARACTERS.map((char) => `pkg${char}x`),
  ...CONTROL_CHARACTERS.map((char) => `pkg${char}x`),
  'a'.repeat(256),
];

/** Versions that could become options or carry control characters. */
export const HOSTILE_VERSIONS: readonly string[] = [
  '',
  '-1',
  '--foo',
  '--version',
  '1.0 2.0',
  '$(id)',
  '1.0;id',
  ...CONTROL_CHARACTERS.map((char) => `1.0${char}1`),
  '1'.repeat(256),
];

/** Printable form of a string for check names and messages. */
/**
 * Names near the edges of the distributions' grammars (case, leading and trailing punctuation, `..`,
 * multi-arch qualifiers, one character), for checking that a backend's namePattern and its
 * validateName agree.
 */
export const NAME_GRAMMAR_PROBES: readonly string[] = [
  'a',
  'ab',
  'a1',
  '0ad',
  'A',
  'Abc',
  '_a',
  '@a',
  '+a',
  '.a',
  'a.',
  'a-',
  'a+',
  'a..b',
  'a.b',
  'a_b',
  'a@b',
  'lib+plus',
  'g++',
  'libc6:amd64',
  'libc6:',
  'a:b:c',
  'x'.repeat(255),
  'x'.repeat(256),
];

export function describeInput(value: string): string {
  const shown = value.length > 40 ? `${value.slice(0, 20)}…(${value.length} chars)` : value;
  return JSON.stringify(shown);
}
