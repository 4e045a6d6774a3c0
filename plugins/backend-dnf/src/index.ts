import { definePlugin } from '@linux-patch-api/core';

export default definePlugin({
  name: '@linux-patch-api/backend-dnf',
  apiVersion: '^1.0.0',
  apply() {},
});
