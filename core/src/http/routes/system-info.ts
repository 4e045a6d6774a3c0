import { access } from 'node:fs/promises';
import os from 'node:os';
import { z } from 'zod';
import type { OsRelease } from '../../contracts/os-release.js';
import type { AgentServices } from '../../services.js';
import { readOsRelease } from '../../system/os-release.js';
import { CORE_VERSION } from '../../version.js';
import { defineRoute } from '../route.js';

export const systemInfoSchema = z
  .object({
    hostname: z.string(),
    os: z.object({
      id: z.string(),
      name: z.string(),
      version_id: z.string().nullable(),
      id_like: z.array(z.string()),
    }),
    kernel: z.string(),
    architecture: z.string(),
    uptime_seconds: z.number().int().nonnegative(),
    last_update_time: z
      .string()
      .nullable()
      .describe("When a package was last installed, upgraded or removed, from the package manager's own history"),
    package_manager: z.string().nullable(),
    package_manager_path: z.string().nullable().describe('The package manager program the backend runs, where it chose one'),
    reboot_required: z.boolean().nullable().describe('null when neither the backend nor the distribution can tell'),
    agent_version: z.string(),
  })
  .meta({ id: 'SystemInfo' });

/** Where Debian and Ubuntu flag a pending reboot (written by update-notifier / needrestart hooks). */
export const DEBIAN_REBOOT_FLAG = '/var/run/reboot-required';

function isDebianLike(release: OsRelease): boolean {
  return (
    release.id === 'debian' || release.id === 'ubuntu' || release.idLike.includes('debian') || release.idLike.includes('ubuntu')
  );
}

/** The Debian reboot flag file: true when present, false when absent. */
export async function rebootFlagPresent(path: string = DEBIAN_REBOOT_FLAG): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function rebootRequired(services: AgentServices, release: OsRelease): Promise<boolean | null> {
  if (services.backend !== null) {
    try {
      return await services.backend.rebootRequired();
    } catch (error) {
      services.logger.warn({ err: error }, 'backend could not say whether a reboot is required');
    }
  }
  return isDebianLike(release) ? rebootFlagPresent() : null;
}

export function systemInfoRoutes(services: AgentServices) {
  return [
    defineRoute({
      method: 'GET',
      path: '/system/info',
      operationId: 'getSystemInfo',
      summary: 'Facts about this host and the agent',
      tags: ['system'],
      response: systemInfoSchema,
      async handler() {
        const release = await readOsRelease();
        return {
          hostname: os.hostname(),
          os: { id: release.id, name: release.name, version_id: release.versionId, id_like: release.idLike },
          kernel: os.release(),
          architecture: os.machine(),
          uptime_seconds: Math.floor(os.uptime()),
          last_update_time: await services.lastUpdateTime(),
          package_manager: services.backend?.info().packageManager ?? null,
          package_manager_path: services.backend?.info().executable ?? null,
          reboot_required: await rebootRequired(services, release),
          agent_version: CORE_VERSION,
        };
      },
    }),
  ];
}
