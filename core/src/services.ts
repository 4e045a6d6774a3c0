import type { Logger as PinoLogger } from 'pino';
import type { AuditTrail } from './audit/trail.js';
import type { PackageCache } from './cache/package-cache.js';
import type { Config } from './config/schema.js';
import type { PackageManagerBackend } from './contracts/backend.js';
import type { AgentHooks } from './hooks.js';
import type { JobManager } from './jobs/job-manager.js';

/** What GET /health says about the package cache (SPEC §7). */
export interface CacheHealth {
  cache_status: 'fresh' | 'stale' | 'unknown' | 'failed';
  /** RFC 3339, or null when the cache was never refreshed. */
  last_cache_update: string | null;
}

/**
 * The services the agent hands to routes and long-lived modules. The composition root
 * (agent.ts) builds it; modules that arrive later fill their field (backend, jobs, cache, …).
 * Fields that a later module replaces are functions, so routes always call the current one.
 */
export interface AgentServices {
  /** The config in force right now (it changes on a valid reload; never cache it). */
  getConfig(): Config;
  readonly configPath: string;
  readonly logger: PinoLogger;
  readonly hooks: AgentHooks;
  audit: AuditTrail;
  readonly startedAt: Date;
  /** The selected package-manager backend; null until one is selected. */
  backend: PackageManagerBackend | null;
  /** Cache freshness for /health; may refresh a stale cache. Unknown until the cache module is wired. */
  cacheHealth(): Promise<CacheHealth>;
  /** Named conditions that make the agent degraded besides the cache (e.g. `crl_expired: …`). */
  conditions?: () => string[];
  /** When the last successful package change finished (RFC 3339), or null when unknown. */
  lastUpdateTime(): Promise<string | null>;
  /** The job manager (queue, rollback, exclusive mode); null until the agent has built it. */
  jobs?: JobManager | null;
  /** The package-cache state (SPEC §7); null until the agent has built it. */
  cache?: PackageCache | null;
}
