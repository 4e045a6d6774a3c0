import { definePlugin } from '@linux-patch-api/core';
import { AptBackend } from './apt-backend.js';
import { detectApt } from './detect.js';

export { AptBackend } from './apt-backend.js';
export { compareDebianVersions } from './debian-version.js';
export { parseDpkgStatus } from './dpkg-status.js';
export { NAME_PATTERN as DEBIAN_NAME_PATTERN, validateDebianVersion, validatePackageName } from './package-grammar.js';

export default definePlugin({
  name: '@linux-patch-api/backend-apt',
  apiVersion: '^1.1.0',
  apply(host) {
    host.registerBackend({ name: 'apt', detect: detectApt, create: (context) => AptBackend.create(context) });
  },
});
