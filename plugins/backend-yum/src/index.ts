import { definePlugin } from '@linux-patch-api/core';
import { RpmBackend, YUM_TOOL } from '@linux-patch-api/rpm-common';
import { isYumDistribution } from './detect.js';

export interface YumPluginOptions {
  /** Absolute path of yum (default /usr/bin/yum). */
  binary?: string;
}

export { isYumDistribution } from './detect.js';

export default definePlugin<YumPluginOptions>({
  name: '@linux-patch-api/backend-yum',
  apiVersion: '^1.1.0',
  apply(host, options) {
    host.registerBackend({
      name: 'yum',
      detect: isYumDistribution,
      create: (context) => new RpmBackend({ ...context, tool: { ...YUM_TOOL, binary: options?.binary ?? YUM_TOOL.binary } }),
    });
  },
});
