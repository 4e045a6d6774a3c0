import { definePlugin } from '@linux-patch-api/core';
import { FileAuditSink } from './file-sink.js';

export { FileAuditSink, type FileSinkOptions } from './file-sink.js';
export { applyRetention } from './retention.js';

export default definePlugin({
  name: '@linux-patch-api/audit-file',
  apiVersion: '^1.0.0',
  apply(host) {
    host.registerAuditSink({
      name: 'file',
      // Never chosen by `auto` ahead of journald/syslog: the core always adds it as the fallback.
      priority: 0,
      available: () => true,
      create: (context) =>
        FileAuditSink.open({ logDir: context.logDir, retentionDays: context.retentionDays, logger: context.logger }),
    });
  },
});
