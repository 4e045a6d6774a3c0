/**
 * The RPM name and version grammar the agent accepts, enforced before any process starts. It is
 * deliberately narrower than what rpm tolerates: no globs (dnf would expand them), nothing that
 * could be read as an option, no path or shell characters.
 */

const MAX_LENGTH = 255;
/** Letters, digits and `._+-`, starting with a letter, digit or `_`. */
const NAME = /^[A-Za-z0-9_][A-Za-z0-9._+-]*$/;
/** The whole name grammar below as one expression (with the length limit): published in /openapi.json. */
export const NAME_PATTERN = /^(?!.*\.\.)[A-Za-z0-9_][A-Za-z0-9._+-]*$/;
/** `[epoch:]version[-release]`; version and release use rpm's version characters (`~` and `^` included). */
const VERSION = /^(?:\d{1,10}:)?[A-Za-z0-9][A-Za-z0-9._+~^]*(?:-[A-Za-z0-9._+~^]+)?$/;

export function validateRpmName(name: string): string | null {
  if (typeof name !== 'string' || name.length === 0) return 'package name is empty';
  if (name.length > MAX_LENGTH) return `package name is longer than ${MAX_LENGTH} characters`;
  if (name.startsWith('-')) return 'package name must not start with "-"';
  if (name.includes('..')) return 'package name must not contain ".."';
  if (!NAME.test(name)) return 'package name may contain only letters, digits and "._+-"';
  return null;
}

export function validateRpmVersion(version: string): string | null {
  if (typeof version !== 'string' || version.length === 0) return 'version is empty';
  if (version.length > MAX_LENGTH) return `version is longer than ${MAX_LENGTH} characters`;
  if (version.startsWith('-')) return 'version must not start with "-"';
  if (!VERSION.test(version)) return 'version must look like [epoch:]version[-release] (letters, digits, "._+~^")';
  return null;
}

/** The argument that selects one exact version: `name-[epoch:]version[-release]`. */
export function pinnedSpec(name: string, version: string | undefined): string {
  return version === undefined ? name : `${name}-${version}`;
}
