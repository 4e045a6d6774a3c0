import { z } from 'zod';
import { buildOpenApiDocument } from '../openapi.js';
import { type AnyRoute, defineRoute } from '../route.js';

/**
 * GET /openapi.json. The document describes every route, this one included; it is built once from
 * the final route list (`documented`), so it can never drift from what the router serves.
 */
export function openApiRoute(documented: () => readonly AnyRoute[]): AnyRoute {
  let document: Record<string, unknown> | null = null;
  return defineRoute({
    method: 'GET',
    path: '/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'The OpenAPI 3.1 document of this API',
    tags: ['meta'],
    response: z.record(z.string(), z.unknown()).describe('An OpenAPI 3.1 document'),
    handler() {
      document ??= buildOpenApiDocument(documented());
      return document;
    },
  });
}
