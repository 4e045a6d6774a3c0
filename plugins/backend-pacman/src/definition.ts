import type { BackendDefinition, OsRelease } from '@linux-patch-api/core';
import { PacmanBackend } from './backend.js';
import { resolveLayout } from './layout.js';

const ARCH_FAMILY = ['arch', 'manjaro', 'endeavouros'];

/** Arch itself, and derivatives that say so in ID or ID_LIKE (Manjaro, EndeavourOS, …). */
export function isArchFamily(osRelease: OsRelease): boolean {
  return ARCH_FAMILY.includes(osRelease.id) || osRelease.idLike.includes('arch');
}

export const pacmanBackendDefinition: BackendDefinition = {
  name: 'pacman',
  detect: isArchFamily,
  async create(context) {
    return new PacmanBackend({
      layout: await resolveLayout(context.root),
      runner: context.runner,
      logger: context.logger,
      ...(context.advisoryFeeds === undefined ? {} : { advisoryFeeds: context.advisoryFeeds }),
    });
  },
};
