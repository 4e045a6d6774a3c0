import { definePlugin } from '@linux-patch-api/core';
import { DNF_TOOL, RpmBackend } from '@linux-patch-api/rpm-common';
import { isDnfDistribution } from './detect.js';

export interface DnfPluginOptions {
  /** Absolute path of dnf (default /usr/bin/dnf). */
  binary?: string;
}

export { isDnfDistribution } from './detect.js';

export default definePlugin<DnfPluginOptions>({
  name: '@linux-patch-api/backend-dnf',
  apiVersion: '^1.1.0',
  apply(host, options) {
    host.registerBackend({
      name: 'dnf',
      detect: isDnfDistribution,
      create: (context) => new RpmBackend({ ...context, tool: { ...DNF_TOOL, binary: options?.binary ?? DNF_TOOL.binary } }),
    });
  },
});
