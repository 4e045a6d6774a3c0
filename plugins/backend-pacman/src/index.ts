import { definePlugin } from '@linux-patch-api/core';

export default definePlugin({
  name: '@linux-patch-api/backend-pacman',
  apiVersion: '^1.0.0',
  apply() {},
});
