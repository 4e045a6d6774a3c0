import { definePlugin } from '@linux-patch-api/core';
import { ostreeBackendDefinition } from './definition.js';

export { parseAdminStatus, type StatusEntry } from './admin-status.js';
export { type CommitInfo, parseCommitShow } from './commit-show.js';
export { isOstreeBooted, OSTREE_BOOTED, ostreeBackendDefinition } from './definition.js';
export { isOstreeFetchError } from './fetch-errors.js';
export { OstreeBackend } from './ostree-backend.js';
export { DPKG_STATUS_FILES, RPMDB_DIRECTORIES } from './package-database.js';
export { validateRefspec } from './refspec.js';

export default definePlugin({
  name: '@linux-patch-api/backend-ostree',
  apiVersion: '^1.0.0',
  apply(host) {
    host.registerBackend(ostreeBackendDefinition);
  },
});
