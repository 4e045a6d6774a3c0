/**
 * Arch's package name and version grammar (makepkg's lint rules), checked before any process
 * starts so that nothing a client sends can become a pacman option or leave the intended target.
 */

const MAX_LENGTH = 255;
const NAME = /^[a-z0-9@_+][a-z0-9@._+-]*$/;
/** The whole name grammar below as one expression (with the length limit): published in /openapi.json. */
export const NAME_PATTERN = /^(?!.*\.\.)[a-z0-9@_+][a-z0-9@._+-]*$/;
/** `[epoch:]pkgver[-pkgrel]`: pkgver has no `-`, `:`, `/` or whitespace; pkgrel is `N` or `N.M`. */
const VERSION = /^(?:[0-9]+:)?[A-Za-z0-9][A-Za-z0-9._+~@]*(?:-[0-9]+(?:\.[0-9]+)?)?$/;

/** null when `name` is a valid Arch package name, else the reason. */
export function validatePackageName(name: string): string | null {
  if (typeof name !== 'string' || name.length === 0) return 'package name is empty';
  if (name.length > MAX_LENGTH) return `package name is longer than ${MAX_LENGTH} characters`;
  if (name.startsWith('-')) return 'package name must not start with "-"';
  if (name.startsWith('.')) return 'package name must not start with "."';
  if (name.includes('..')) return 'package name must not contain ".."';
  if (!NAME.test(name)) return 'package name may only contain lower-case letters, digits and @ . _ + -';
  return null;
}

/** null when `version` is a valid pacman version (`[epoch:]pkgver[-pkgrel]`), else the reason. */
export function validatePackageVersion(version: string): string | null {
  if (typeof version !== 'string' || version.length === 0) return 'version is empty';
  if (version.length > MAX_LENGTH) return `version is longer than ${MAX_LENGTH} characters`;
  if (version.startsWith('-')) return 'version must not start with "-"';
  if (!VERSION.test(version)) {
    return 'version must look like [epoch:]pkgver[-pkgrel] (letters, digits and . _ + ~ @ in pkgver, digits in epoch and pkgrel)';
  }
  return null;
}
