import type { Context } from 'koa';
import { z } from 'zod';
import { buildOpenApiDocument, type OpenApiOptions } from '../openapi.js';
import { type AnyRoute, defineRoute } from '../route.js';

/**
 * The address this request came to, as a client would write it: the Host header when it names this
 * agent's port, else the local address of the connection (an IPv6 address in brackets).
 */
export function serverUrlOf(ctx: Context): string {
  const socket = ctx.req.socket;
  const port = socket.localPort;
  const host = ctx.get('Host');
  if (/^[A-Za-z0-9.-]+:\d+$|^\[[0-9A-Fa-f:.]+\]:\d+$/.test(host) && host.endsWith(`:${port}`)) return `https://${host}`;
  const address = (socket.localAddress ?? '127.0.0.1').replace(/^::ffff:(?=\d+\.)/, '');
  return `https://${address.includes(':') ? `[${address}]` : address}:${port}`;
}

/**
 * GET /openapi.json, sent raw (not in the envelope, SPEC §5) so that standard tools load the URL.
 * The document describes every route, this one included; it is built once from the final route list
 * (`documented`), so it can never drift from what the router serves. Only `servers` is per request.
 */
export function openApiRoute(documented: () => readonly AnyRoute[], options: () => OpenApiOptions = () => ({})): AnyRoute {
  let document: Record<string, unknown> | null = null;
  return defineRoute({
    method: 'GET',
    path: '/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'The OpenAPI 3.1 document of this API',
    description: 'The one answer that is not wrapped in the envelope; `servers` names the address the request came to.',
    tags: ['meta'],
    raw: true,
    response: z.record(z.string(), z.unknown()).describe('An OpenAPI 3.1 document'),
    handler({ ctx }) {
      document ??= buildOpenApiDocument(documented(), options());
      return { ...document, servers: [{ url: serverUrlOf(ctx), description: 'The agent that served this document' }] };
    },
  });
}
