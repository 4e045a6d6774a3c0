import { join } from 'node:path';
import { definePlugin } from '@linux-patch-api/core';
import { FakePackageManagerBackend } from './backend.js';

export interface FakePluginOptions {
  /** The database file; default `<backend.root>/var/lib/fake-pm/db.json`. */
  db?: string;
  killGraceMs?: number;
}

/**
 * The fake package manager as a backend plugin, so the loader can load it from a path listed in
 * `plugins:`. It claims os-release `ID=lpa-fake` (or `backend.name: fake`).
 */
export default definePlugin<FakePluginOptions>({
  name: 'lpa-fake-package-manager',
  apiVersion: '^1.0.0',
  apply(host, options) {
    host.registerBackend({
      name: 'fake',
      detect: (osRelease) => osRelease.id === 'lpa-fake',
      create: (context) =>
        new FakePackageManagerBackend({
          runner: context.runner,
          dbPath: options?.db ?? join(context.root ?? context.stateDir, 'var/lib/fake-pm/db.json'),
          ...(options?.killGraceMs === undefined ? {} : { killGraceMs: options.killGraceMs }),
        }),
    });
  },
});
