import type { BackendDefinition, OsRelease } from '@linux-patch-api/core';
import { locateApk } from './apk-binary.js';
import { APK_BINARY, ApkBackend } from './backend.js';

/** Alpine, and derivatives that name it in ID_LIKE (postmarketOS, …). */
export function isAlpineFamily(osRelease: OsRelease): boolean {
  return osRelease.id === 'alpine' || osRelease.idLike.includes('alpine');
}

export const apkBackendDefinition: BackendDefinition = {
  name: 'apk',
  detect: isAlpineFamily,
  /** Looks apk up once, at start: backend.apk_path, else /sbin, /usr/sbin, /bin, /usr/bin, then PATH. */
  async create(context) {
    const configured = context.options?.apk_path;
    const located = await locateApk({ configured: typeof configured === 'string' ? configured : null });
    if (located === null) {
      context.logger.warn(
        { tried: APK_BINARY },
        'no apk binary found in /sbin, /usr/sbin, /bin, /usr/bin or PATH; set backend.apk_path',
      );
    } else {
      context.logger.info({ apk: located.path, source: located.source }, 'apk binary');
    }
    return new ApkBackend({
      root: context.root,
      runner: context.runner,
      logger: context.logger,
      apkPath: located?.path ?? APK_BINARY,
      ...(context.advisoryFeeds === undefined ? {} : { advisoryFeeds: context.advisoryFeeds }),
    });
  },
};
