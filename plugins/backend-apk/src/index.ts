import { definePlugin } from '@linux-patch-api/core';
import { apkBackendDefinition } from './definition.js';

export { type LocatedApk, locateApk, STANDARD_APK_LOCATIONS } from './apk-binary.js';
export { APK_BINARY, ApkBackend, type ApkBackendOptions } from './backend.js';
export { apkBackendDefinition, isAlpineFamily } from './definition.js';
export { validateApkName, validateApkVersion } from './grammar.js';
export { parseInstalledDb } from './installed-db.js';
export { compareApkVersions } from './version.js';
export { parseWorldPins, pinAllows, type WorldPin } from './world.js';

export default definePlugin({
  name: '@linux-patch-api/backend-apk',
  apiVersion: '^1.1.0',
  apply(host) {
    host.registerBackend(apkBackendDefinition);
  },
});
