import { isValidApkVersion } from './version.js';

/**
 * Alpine's package name grammar (abuild's rules) and apk's version grammar, checked before any
 * process starts. Names exclude what apk would read as something else: `=`, `<`, `>`, `~` start a
 * version constraint, `@` a repository tag, `!` a conflict, `:` a provider (`so:`, `cmd:`).
 */

const MAX_LENGTH = 255;
const NAME = /^[a-z0-9_][a-z0-9._+-]*$/;
/** The whole name grammar below as one expression (with the length limit): published in /openapi.json. */
export const NAME_PATTERN = /^(?!.*\.\.)[a-z0-9_][a-z0-9._+-]*$/;

export function validateApkName(name: string): string | null {
  if (typeof name !== 'string' || name.length === 0) return 'package name is empty';
  if (name.length > MAX_LENGTH) return `package name is longer than ${MAX_LENGTH} characters`;
  if (name.startsWith('-')) return 'package name must not start with "-"';
  if (name.startsWith('.')) return 'package name must not start with "."';
  if (name.includes('..')) return 'package name must not contain ".."';
  if (!NAME.test(name)) return 'package name may only contain lower-case letters, digits and . _ + -';
  return null;
}

export function validateApkVersion(version: string): string | null {
  if (typeof version !== 'string' || version.length === 0) return 'version is empty';
  if (version.length > MAX_LENGTH) return `version is longer than ${MAX_LENGTH} characters`;
  if (!/^[0-9]/.test(version)) return 'version must start with a digit';
  // apk stops reading at a NUL byte, so the character set is checked here and not left to it.
  if (!/^[0-9a-z._-]+$/.test(version) || !isValidApkVersion(version)) {
    return 'version must look like 1.2.3[letter][_suffixN…][-rN] (suffixes: alpha beta pre rc cvs svn git hg p)';
  }
  return null;
}
