import type { PackageManagerBackend } from '../contracts/backend.js';
import type { Logger } from '../contracts/logger.js';

export interface LastUpdateSources {
  backend(): PackageManagerBackend | null;
  /** When the last job of this agent that changed packages finished (ISO 8601), if it remembers one. */
  lastJobChange(): string | null;
  logger: Logger;
}

/**
 * `last_update_time` of /system/info: what the package manager's own history says (changes made
 * by anyone, kept across agent restarts). Only a backend without `lastUpdateTime()` (plugin API
 * 1.0), or whose history is missing or unreadable, falls back to the agent's own last change.
 */
export async function lastUpdateTime(sources: LastUpdateSources): Promise<string | null> {
  const backend = sources.backend();
  let fromHistory: Date | null = null;
  if (backend?.lastUpdateTime !== undefined) {
    try {
      fromHistory = await backend.lastUpdateTime();
    } catch (error) {
      sources.logger.warn({ err: error }, "could not read the package manager's history for last_update_time");
    }
  }
  if (fromHistory === null || Number.isNaN(fromHistory.getTime())) return sources.lastJobChange();
  return fromHistory.toISOString();
}
