import type { IncomingHttpHeaders } from 'node:http';
import type { Context } from 'koa';
import { LpaError } from '../errors.js';

const MUTATING_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Why a request is cross-site, or null: an `Origin` header that is present and is not the agent's
 * own origin (`https://` plus the Host the client addressed). Browsers send Origin on every
 * cross-site POST and WebSocket; the clients this API is for (curl, fleet tools) send none.
 */
export function crossSiteProblem(headers: IncomingHttpHeaders): string | null {
  const origin = headers.origin;
  if (origin === undefined) return null;
  const host = headers.host;
  if (host !== undefined && origin.toLowerCase() === `https://${host.toLowerCase()}`) return null;
  return `Origin ${origin} is not this agent's origin`;
}

/**
 * Refuses cross-site requests (SPEC §3, CSRF when a browser holds the client certificate): a
 * mutating request with a foreign Origin is 403 CROSS_ORIGIN_REFUSED, and a mutating request that
 * carries a body must say `Content-Type: application/json` (415), which a plain HTML form cannot.
 */
export function refuseCrossSite(ctx: Context): void {
  if (!MUTATING_METHODS.has(ctx.method)) return;
  const problem = crossSiteProblem(ctx.headers);
  if (problem !== null) throw new LpaError('LPA_ERR_CROSS_ORIGIN', problem);
  const carriesBody = Number(ctx.get('Content-Length') || '0') > 0 || ctx.get('Transfer-Encoding') !== '';
  if (carriesBody && !ctx.is('application/json'))
    throw new LpaError('LPA_ERR_UNSUPPORTED_MEDIA_TYPE', 'request bodies must be application/json');
}
