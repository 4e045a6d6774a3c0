/**
 * Test plugin for the yum end-to-end scenarios. Debian has no yum; RHEL 8+'s yum is dnf 4, so a
 * symlink named `yum` to /usr/bin/dnf (made in the agent's state dir) stands in for it. This
 * plugin runs the real @linux-patch-api/backend-yum plugin with that binary and registers its
 * backend as `yum-as-dnf` (the installed yum plugin keeps the name `yum`).
 */
import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import yumPlugin from '@linux-patch-api/backend-yum';
import type { BackendDefinition, PluginHost } from '@linux-patch-api/core';
import { definePlugin } from '@linux-patch-api/core';

async function yumDefinition(host: PluginHost, binary: string): Promise<BackendDefinition> {
  let registered: BackendDefinition | undefined;
  const capture: PluginHost = {
    coreVersion: host.coreVersion,
    apiVersion: host.apiVersion,
    logger: host.logger,
    hooks: host.hooks,
    registerBackend: (definition) => {
      registered = definition;
    },
    registerAuditSink: () => {},
  };
  await yumPlugin.apply(capture, { binary });
  if (!registered) throw new Error('the yum plugin registered no backend');
  return registered;
}

export default definePlugin({
  name: 'lpa-test-yum-as-dnf',
  apiVersion: '^1.0.0',
  apply(host) {
    host.registerBackend({
      name: 'yum-as-dnf',
      detect: () => false,
      async create(context) {
        const binDir = join(context.stateDir, 'yum-bin');
        await mkdir(binDir, { recursive: true });
        const binary = join(binDir, 'yum');
        await symlink('/usr/bin/dnf', binary).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'EEXIST') throw error;
        });
        return (await yumDefinition(host, binary)).create(context);
      },
    });
  },
});
