import type { OsRelease } from '@linux-patch-api/core';

const RHEL_LIKE = new Set(['rhel', 'centos', 'ol', 'scientific']);

/** RHEL/CentOS/Oracle/Scientific Linux 7 and older, and Amazon Linux 2: the distributions with yum 3. */
export function isYumDistribution(osRelease: OsRelease): boolean {
  const major = Number.parseInt(osRelease.versionId ?? '', 10);
  if (!Number.isFinite(major)) return false;
  if (osRelease.id === 'amzn') return major === 2 || major === 1;
  const ids = [osRelease.id, ...osRelease.idLike];
  return ids.some((id) => RHEL_LIKE.has(id)) && major <= 7;
}
