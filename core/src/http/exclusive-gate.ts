import { LpaError } from '../errors.js';
import type { AgentServices } from '../services.js';
import type { RequestGate } from './app.js';

/** What stays available while a rollback holds the agent (SPEC §6); the WebSocket is not HTTP routed. */
const ALLOWED_DURING_ROLLBACK = [/^\/health$/, /^\/jobs$/, /^\/jobs\/[^/]+$/];

/**
 * The rollback exclusive mode: from the moment a rollback is accepted until it ends, every request
 * except GET /health, GET /jobs and GET /jobs/{id} gets 503 ROLLBACK_IN_PROGRESS with Retry-After.
 */
export function exclusiveGate(services: AgentServices): RequestGate {
  return (ctx, next) => {
    const exclusive = services.jobs?.exclusive() ?? null;
    if (exclusive !== null) {
      const allowed =
        (ctx.method === 'GET' || ctx.method === 'HEAD') && ALLOWED_DURING_ROLLBACK.some((pattern) => pattern.test(ctx.path));
      if (!allowed) {
        throw new LpaError('LPA_ERR_ROLLBACK_IN_PROGRESS', `rollback ${exclusive.jobId} is in progress; try again later`, {
          retryAfter: exclusive.retryAfterSeconds,
          details: { job_id: exclusive.jobId },
        });
      }
    }
    return next();
  };
}
