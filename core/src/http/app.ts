import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import Router from '@koa/router';
import Koa, { type Context, type Middleware, type Next } from 'koa';
import { LpaError, toLpaError } from '../errors.js';
import type { AgentServices } from '../services.js';
import { normalizePeerAddress } from './allow-list.js';
import { refuseCrossSite } from './cross-site.js';
import { sendError } from './envelope.js';
import { identityOfSocket } from './identity.js';
import { type AnyRoute, registerRoutes } from './route.js';

/**
 * A request gate runs after the request id and the client identity are set and before any route:
 * it may refuse the request by throwing an LpaError (e.g. ROLLBACK_IN_PROGRESS while a rollback
 * holds the agent exclusively) or call next() to let it through.
 */
export type RequestGate = Middleware;

export interface AppOptions {
  services: AgentServices;
  routes: readonly AnyRoute[];
  /** Read on every request, so gates added after the app was built still apply. */
  gates?: readonly RequestGate[];
}

function assignRequestId(ctx: Context): string {
  const requestId = randomUUID();
  ctx.state.requestId = requestId;
  ctx.set('X-Request-Id', requestId);
  return requestId;
}

const peerAddresses = new WeakMap<Socket, string>();

/** The peer address as audited (mapped IPv6 as IPv4), worked out once per connection. */
function peerAddressOf(socket: Socket): string {
  let address = peerAddresses.get(socket);
  if (address === undefined) {
    address = normalizePeerAddress(socket.remoteAddress ?? '');
    peerAddresses.set(socket, address);
  }
  return address;
}

/**
 * The outermost middleware: gives the request its id and client, answers every failure with the
 * envelope (only LpaErrors say what went wrong), then logs the request and writes its `api_request`
 * audit record once its status is settled. One middleware rather than two: each layer costs every
 * request a promise and a bound dispatch.
 */
function requestRecord(services: AgentServices) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const started = performance.now();
    const requestId = assignRequestId(ctx);
    ctx.state.client = identityOfSocket(ctx.req.socket as TLSSocket);
    try {
      await next();
    } catch (thrown) {
      const error = toLpaError(thrown);
      if (error.code === 'LPA_ERR_INTERNAL') {
        services.logger.error({ request_id: requestId, err: thrown }, 'request failed with an unexpected error');
      }
      sendError(ctx, error);
    } finally {
      const client = ctx.state.client as ReturnType<typeof identityOfSocket>;
      const { method, path, status } = ctx;
      const duration_ms = Math.round((performance.now() - started) * 1000) / 1000;
      // A served request is one short info line (who asked is in the audit record, by the same
      // request_id); a refused one is a warning (4xx) or an error (5xx) that also names the error
      // code and the client certificate's CN.
      if (status < 400) services.logger.info({ request_id: requestId, method, path, status, duration_ms }, 'request');
      else {
        const refused = {
          request_id: requestId,
          method,
          path,
          status,
          duration_ms,
          error_code: (ctx.state.errorCode as string | undefined) ?? null,
          client_cn: client?.cn ?? null,
        };
        if (status >= 500) services.logger.error(refused, 'request failed');
        else services.logger.warn(refused, 'request refused');
      }
      services.audit.record('api_request', {
        request_id: requestId,
        method,
        path,
        status,
        ip: peerAddressOf(ctx.req.socket),
        client_cn: client?.cn ?? null,
        client_serial: client?.serial ?? null,
        client_fingerprint: client?.fingerprint256 ?? null,
        duration_ms,
      });
    }
  };
}

/** Refuses cross-site requests, then runs the request gates in order (read on every request). */
function crossSiteAndGates(gates: readonly RequestGate[]) {
  return (ctx: Context, next: Next): Promise<void> => {
    refuseCrossSite(ctx);
    if (gates.length === 0) return next();
    const dispatch = (index: number): Promise<void> => {
      const gate = gates[index];
      if (gate === undefined) return next();
      return Promise.resolve(gate(ctx, () => dispatch(index + 1)));
    };
    return dispatch(0);
  };
}

/** After the router: a path no route has is NOT_FOUND; a known path with another method is 405. */
function unmatched(ctx: Context): void {
  if (ctx.body !== undefined && ctx.body !== null) return;
  const layers = ((ctx as unknown as { matched?: { methods: string[] }[] }).matched ?? []).filter(
    (layer) => layer.methods.length > 0,
  );
  const allowed = [...new Set(layers.flatMap((layer) => layer.methods))];
  if (allowed.length > 0) {
    ctx.set('Allow', allowed.join(', '));
    throw new LpaError('LPA_ERR_METHOD_NOT_ALLOWED', `${ctx.method} is not allowed on ${ctx.path}`, { details: { allowed } });
  }
  throw new LpaError('LPA_ERR_NOT_FOUND', `no such endpoint: ${ctx.method} ${ctx.path}`);
}

/** The Koa app plus the router it serves (the route inventory reads what is registered). */
export interface AgentApp extends Koa {
  readonly router: Router;
}

/** The Koa application: request id, identity, audit and log, envelope errors, cross-site refusal, gates, routes. */
export function createApp({ services, routes, gates = [] }: AppOptions): AgentApp {
  const app = new Koa();
  app.silent = true;
  app.proxy = false;
  const router = new Router();
  registerRoutes(router, routes);
  app.use(requestRecord(services));
  app.use(crossSiteAndGates(gates));
  app.use(router.routes());
  app.use(async (ctx) => unmatched(ctx as unknown as Context));
  return Object.assign(app, { router });
}
