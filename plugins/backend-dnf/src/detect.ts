import type { OsRelease } from '@linux-patch-api/core';

const RHEL_LIKE = new Set(['rhel', 'centos', 'rocky', 'almalinux', 'ol', 'circle', 'eurolinux', 'scientific']);

function majorVersion(osRelease: OsRelease): number | null {
  const major = Number.parseInt(osRelease.versionId ?? '', 10);
  return Number.isFinite(major) ? major : null;
}

/** Fedora, and RHEL and its rebuilds from 8 on (where yum is dnf 4); Amazon Linux 2023. */
export function isDnfDistribution(osRelease: OsRelease): boolean {
  const ids = [osRelease.id, ...osRelease.idLike];
  const major = majorVersion(osRelease);
  if (osRelease.id === 'fedora') return true;
  if (osRelease.id === 'amzn') return major !== null && major >= 2022;
  if (ids.some((id) => RHEL_LIKE.has(id) || id === 'fedora')) return major === null || major >= 8;
  return false;
}
