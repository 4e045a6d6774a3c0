import type { BackendDefinition, OsRelease } from '@linux-patch-api/core';
import { ApkBackend } from './backend.js';

/** Alpine, and derivatives that name it in ID_LIKE (postmarketOS, …). */
export function isAlpineFamily(osRelease: OsRelease): boolean {
  return osRelease.id === 'alpine' || osRelease.idLike.includes('alpine');
}

export const apkBackendDefinition: BackendDefinition = {
  name: 'apk',
  detect: isAlpineFamily,
  create(context) {
    return new ApkBackend({ root: context.root, runner: context.runner, logger: context.logger });
  },
};
