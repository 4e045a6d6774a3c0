import { z } from 'zod';
import type { AgentServices } from '../../services.js';
import { CORE_VERSION } from '../../version.js';
import { defineRoute } from '../route.js';

export const healthSchema = z
  .object({
    status: z.enum(['healthy', 'degraded']),
    uptime_seconds: z.number().int().nonnegative(),
    version: z.string(),
    last_cache_update: z.string().nullable(),
    cache_status: z.enum(['fresh', 'stale', 'unknown', 'failed']),
    /** Why the agent is degraded (present only when it is): `cache_failed`, `crl_expired: …`. */
    reasons: z.array(z.string()).optional(),
  })
  .meta({ id: 'Health' });

export function healthRoutes(services: AgentServices) {
  return [
    defineRoute({
      method: 'GET',
      path: '/health',
      operationId: 'getHealth',
      summary: 'Agent health and package-cache freshness',
      tags: ['system'],
      response: healthSchema,
      async handler() {
        const cache = await services.cacheHealth();
        const reasons = [...(cache.cache_status === 'failed' ? ['cache_failed'] : []), ...(services.conditions?.() ?? [])];
        return {
          status: reasons.length > 0 ? ('degraded' as const) : ('healthy' as const),
          ...(reasons.length > 0 ? { reasons } : {}),
          uptime_seconds: Math.floor((Date.now() - services.startedAt.getTime()) / 1000),
          version: CORE_VERSION,
          last_cache_update: cache.last_cache_update,
          cache_status: cache.cache_status,
        };
      },
    }),
  ];
}
