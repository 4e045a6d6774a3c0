import { definePlugin } from '@linux-patch-api/core';
import { pacmanBackendDefinition } from './definition.js';

export { PacmanBackend, type PacmanBackendOptions } from './backend.js';
export { isArchFamily, pacmanBackendDefinition } from './definition.js';
export { validatePackageName, validatePackageVersion } from './grammar.js';
export { type PacmanLayout, resolveLayout } from './layout.js';
export { vercmp } from './vercmp.js';

export default definePlugin({
  name: '@linux-patch-api/backend-pacman',
  apiVersion: '^1.1.0',
  apply(host) {
    host.registerBackend(pacmanBackendDefinition);
  },
});
