/**
 * Debian policy grammar for package names and versions, tightened where apt gives characters a
 * meaning of their own. Everything is checked before any process starts, so a name can never
 * become an option, a pin, a release selector, a glob, a regular expression or an install/remove
 * modifier.
 */
const MAX_LENGTH = 255;

/** Debian policy §5.6.1, plus an optional `:arch` qualifier (multi-arch). */
const NAME = /^[a-z0-9][a-z0-9+.-]+(?::[a-z0-9][a-z0-9-]*)?$/;

/** The whole name grammar below as one expression (with the length limit): published in /openapi.json. */
export const NAME_PATTERN = /^(?!.*\.\.)[a-z0-9][a-z0-9+.-]*[a-z0-9.](?::[a-z0-9][a-z0-9-]*)?$/;

/** deb-version(7): [epoch:]upstream[-revision]. */
const VERSION = /^(?:(\d+):)?([0-9][A-Za-z0-9.+~:-]*?)(?:-([A-Za-z0-9.+~]+))?$/;

export function validatePackageName(name: string): string | null {
  if (typeof name !== 'string' || name.length === 0) return 'package name is empty';
  if (name.length > MAX_LENGTH) return `package name is longer than ${MAX_LENGTH} characters`;
  if (name.startsWith('-')) return 'package name must not start with "-"';
  if (/[\s\x00-\x1f\x7f]/.test(name)) return 'package name must not contain whitespace or control characters';
  if (name.includes('=') || name.includes('/')) return 'package name must not contain "=" or "/" (use the version field)';
  if (/[*?[\]^$(){}|\\]/.test(name)) return 'package name must not contain glob or regular-expression characters';
  const base = name.split(':')[0] ?? '';
  if (base.endsWith('+') || base.endsWith('-')) {
    return 'package name must not end with "+" or "-" (apt reads them as install/remove modifiers)';
  }
  if (base.includes('..')) return 'package name must not contain ".."';
  if (!NAME.test(name)) {
    return 'package name must match Debian policy: lower-case letters, digits, "+", "-", "." (at least two characters, starting alphanumeric), optionally ":arch"';
  }
  return null;
}

export function validateDebianVersion(version: string): string | null {
  if (typeof version !== 'string' || version.length === 0) return 'version is empty';
  if (version.length > MAX_LENGTH) return `version is longer than ${MAX_LENGTH} characters`;
  if (/[\s\x00-\x1f\x7f]/.test(version)) return 'version must not contain whitespace or control characters';
  if (version.endsWith('-')) return 'version has an empty revision';
  const match = VERSION.exec(version);
  if (!match) {
    return 'version must match Debian version syntax: [epoch:]upstream[-revision], upstream starting with a digit';
  }
  const [, epoch, upstream] = match;
  if (epoch === undefined && upstream?.includes(':')) return 'version contains ":" but no numeric epoch';
  return null;
}
