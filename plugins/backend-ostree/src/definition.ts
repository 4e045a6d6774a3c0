import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BackendDefinition } from '@linux-patch-api/core';
import { OstreeBackend } from './ostree-backend.js';

/** The file an OSTree-booted system has (written by ostree-prepare-root in the initramfs). */
export const OSTREE_BOOTED = 'run/ostree-booted';

/** Whether the host, or `root`, was booted from an OSTree deployment. */
export function isOstreeBooted(root: string | null): boolean {
  return existsSync(join(root ?? '/', OSTREE_BOOTED));
}

/**
 * `backend.name: ostree`, or chosen automatically when `/run/ostree-booted` exists (under
 * `backend.root` when one is set): such a host claims the backend before os-release detection, so
 * Fedora CoreOS or an apt-ostree image never gets the dnf or apt backend and a read-only `/usr`.
 * os-release alone never selects it.
 */
export const ostreeBackendDefinition: BackendDefinition = {
  name: 'ostree',
  detect: () => false,
  claimsHost: isOstreeBooted,
  create: (context) => OstreeBackend.create(context),
};
