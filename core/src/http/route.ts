import type { default as Router, RouterMiddleware } from '@koa/router';
import type { Context } from 'koa';
import type { z } from 'zod';
import type { ClientIdentity } from '../contracts/audit.js';
import { LpaError } from '../errors.js';
import type { AgentServices } from '../services.js';
import { readJsonBody, validate } from './body.js';
import { type SerialisedData, sendData, sendRaw } from './envelope.js';
import { NO_QUERY, readQuery } from './query.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** What a handler receives: validated input, the verified client and the request id. */
export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  client: ClientIdentity | null;
  requestId: string;
  /** The Koa context, for the rare handler that needs more than the above. */
  ctx: Context;
}

type Infer<S> = S extends z.ZodType ? z.infer<S> : undefined;

/**
 * One endpoint, described once: the same zod schemas validate requests and produce the
 * OpenAPI document. Paths use OpenAPI syntax (`/packages/{name}`). Body and params schemas should be
 * strict objects so that unknown fields are a VALIDATION_ERROR; a body schema that accepts
 * `undefined` (`.optional()`) makes the body optional. The query schema is an object with one
 * property per parameter, written in the parameter's real type (integers, booleans): it is always
 * applied strictly (see query.ts), and a route without one takes no query parameters at all.
 */
export interface RouteDefinition<
  P extends z.ZodType | undefined = z.ZodType | undefined,
  Q extends z.ZodObject | undefined = z.ZodObject | undefined,
  B extends z.ZodType | undefined = z.ZodType | undefined,
  R extends z.ZodType = z.ZodType,
> {
  method: HttpMethod;
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tags?: string[];
  params?: P;
  /** Query parameters; none are accepted when absent. */
  query?: Q;
  body?: B;
  /** The schema of `data` in a successful envelope. */
  response: R;
  /** Success status: 200 (default) or 202 for requests that start a job. */
  status?: 200 | 202;
  /** Sent as it is, not in the envelope: only GET /openapi.json (SPEC §5), so standard tools load it. */
  raw?: boolean;
  /** For 202 routes: where the new resource lives (sent as the Location header). */
  location?: (data: z.infer<R>) => string;
  /** May answer with the value already serialised (see SerialisedData) when it is large and reused. */
  handler(input: RouteInput<Infer<P>, Infer<Q>, Infer<B>>): Promise<z.infer<R> | SerialisedData> | z.infer<R> | SerialisedData;
}

/** Identity helper that keeps a route's schema types attached to its handler. */
export function defineRoute<
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodObject | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
  R extends z.ZodType = z.ZodType,
>(route: RouteDefinition<P, Q, B, R>): RouteDefinition<P, Q, B, R> {
  return route;
}

/** A route of any schema types, as the router and the OpenAPI builder see it. */
// biome-ignore lint/suspicious/noExplicitAny: the collection holds routes of every schema type
export type AnyRoute = RouteDefinition<any, any, any, any>;

/** Builds a service's routes; `routes/index.ts` lists them all. */
export type RouteFactory = (services: AgentServices) => AnyRoute[];

/** `/packages/{name}` → `/packages/:name` (the router's syntax). */
export function toRouterPath(path: string): string {
  return path.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, ':$1');
}

const METHODS_WITH_BODY = new Set<HttpMethod>(['POST', 'PUT', 'DELETE']);

async function readRouteBody(route: AnyRoute, ctx: Context): Promise<unknown> {
  const raw = await readJsonBody(ctx);
  if (route.body === undefined) {
    if (raw !== undefined) throw new LpaError('LPA_ERR_VALIDATION', 'this endpoint takes no request body');
    return undefined;
  }
  return validate(route.body, raw, 'request body');
}

/** The Koa middleware of one route: validate input, run the handler, send the envelope. */
export function routeMiddleware(route: AnyRoute): (ctx: Context) => Promise<void> {
  return async (ctx) => {
    // The query first: a request carrying a parameter the endpoint does not know is refused before
    // anything else about it is looked at.
    // A route that takes no parameters, asked without a query string (most GETs), has nothing to validate.
    const query = route.query === undefined && ctx.querystring === '' ? {} : readQuery(route.query ?? NO_QUERY, ctx.query);
    const params =
      route.params === undefined ? {} : validate(route.params, { ...(ctx as unknown as { params: object }).params }, 'path');
    const body = METHODS_WITH_BODY.has(route.method) ? await readRouteBody(route, ctx) : undefined;
    const data = await route.handler({
      params,
      query,
      body,
      client: (ctx.state.client as ClientIdentity | undefined) ?? null,
      requestId: ctx.state.requestId as string,
      ctx,
    });
    const status = route.status ?? 200;
    if (route.location !== undefined) ctx.set('Location', route.location(data));
    if (route.raw === true) sendRaw(ctx, data, status);
    else sendData(ctx, data, status);
  };
}

export function registerRoutes(router: Router, routes: readonly AnyRoute[]): void {
  const seen = new Set<string>();
  for (const route of routes) {
    const key = `${route.method} ${route.path}`;
    if (seen.has(key)) throw new LpaError('LPA_ERR_INTERNAL', `route registered twice: ${key}`);
    seen.add(key);
    router.register(toRouterPath(route.path), [route.method], routeMiddleware(route) as unknown as RouterMiddleware, {
      name: route.operationId,
    });
  }
}
