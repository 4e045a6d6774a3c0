import { definePlugin } from '@linux-patch-api/core';

export default definePlugin({
  name: '@linux-patch-api/audit-journald',
  apiVersion: '^1.0.0',
  apply() {},
});
