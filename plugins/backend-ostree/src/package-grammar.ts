import { DEBIAN_NAME_PATTERN, validateDebianVersion, validatePackageName } from '@linux-patch-api/backend-apt';
import { RPM_NAME_PATTERN, validateRpmName, validateRpmVersion } from '@linux-patch-api/rpm-common';

/** Either grammar as one expression (published in /openapi.json). */
export const IMAGE_NAME_PATTERN = new RegExp(`(?:${DEBIAN_NAME_PATTERN.source})|(?:${RPM_NAME_PATTERN.source})`);

/**
 * An image carries a dpkg or an rpm database: a name or version is valid when the grammar of
 * either accepts it. Both refuse everything option-like, path-like or shell-like.
 */
export function validateImagePackageName(name: string): string | null {
  const debian = validatePackageName(name);
  return debian === null || validateRpmName(name) === null ? null : debian;
}

export function validateImagePackageVersion(version: string): string | null {
  const debian = validateDebianVersion(version);
  return debian === null || validateRpmVersion(version) === null ? null : debian;
}
