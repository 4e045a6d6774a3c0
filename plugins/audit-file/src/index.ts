import { definePlugin } from '@linux-patch-api/core';

export default definePlugin({
  name: '@linux-patch-api/audit-file',
  apiVersion: '^1.0.0',
  apply() {},
});
