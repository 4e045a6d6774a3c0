import type { OsRelease } from '@linux-patch-api/core';

const FAMILY = ['debian', 'ubuntu'];

/** Debian, Ubuntu and their derivatives (ID or ID_LIKE naming either). */
export function detectApt(osRelease: OsRelease): boolean {
  return FAMILY.includes(osRelease.id) || osRelease.idLike.some((like) => FAMILY.includes(like));
}
