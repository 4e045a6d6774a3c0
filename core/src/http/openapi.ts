import { z } from 'zod';
import { CORE_VERSION } from '../version.js';
import type { AnyRoute } from './route.js';

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

const errorSchema: JsonSchema = {
  type: 'object',
  required: ['code', 'message'],
  additionalProperties: false,
  properties: {
    code: { type: 'string', description: 'API error code, e.g. VALIDATION_ERROR, NOT_FOUND, INTERNAL_ERROR' },
    message: { type: 'string' },
    details: { type: 'object' },
  },
};

function envelopeOf(data: JsonSchema, success: boolean): JsonSchema {
  return {
    type: 'object',
    required: ['success', 'request_id', 'timestamp', 'data', 'error'],
    additionalProperties: false,
    properties: {
      success: { const: success },
      request_id: { type: 'string', format: 'uuid' },
      timestamp: { type: 'string', format: 'date-time' },
      data,
      error: success ? { type: 'null' } : { $ref: '#/components/schemas/Error' },
    },
  };
}

/** Path and query parameters from a zod object schema, one OpenAPI parameter per property. */
function parametersOf(schema: z.ZodType | undefined, location: 'path' | 'query'): JsonSchema[] {
  if (schema === undefined) return [];
  const object = jsonSchema(schema, 'input');
  const properties = (object.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((object.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: location,
      required: location === 'path' || required.has(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}

function errorResponse(description: string): JsonSchema {
  return { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorEnvelope' } } } };
}

function operationOf(route: AnyRoute): JsonSchema {
  const status = String(route.status ?? 200);
  const operation: JsonSchema = {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.description === undefined ? {} : { description: route.description }),
    ...(route.tags === undefined ? {} : { tags: route.tags }),
    parameters: [...parametersOf(route.params, 'path'), ...parametersOf(route.query, 'query')],
    responses: {
      [status]: {
        description: status === '202' ? 'Accepted: the job was created' : 'OK',
        ...(route.location === undefined
          ? {}
          : { headers: { Location: { description: 'Where the new job lives', schema: { type: 'string' } } } }),
        content: {
          'application/json': {
            schema:
              route.raw === true ? jsonSchema(route.response, 'output') : envelopeOf(jsonSchema(route.response, 'output'), true),
          },
        },
      },
      '400': errorResponse('VALIDATION_ERROR: bad path, query or body'),
      '4XX': errorResponse('Other client errors (NOT_FOUND, CONFLICT, PAYLOAD_TOO_LARGE, …)'),
      '5XX': errorResponse('INTERNAL_ERROR, BACKEND_ERROR, ROLLBACK_IN_PROGRESS (with Retry-After), …'),
    },
  };
  if (route.body !== undefined) {
    const optional = route.body.safeParse(undefined).success;
    operation.requestBody = {
      required: !optional,
      content: { 'application/json': { schema: jsonSchema(route.body, 'input') } },
    };
  }
  return operation;
}

/** The OpenAPI 3.1 document of the API, generated from the route definitions themselves. */
export function buildOpenApiDocument(routes: readonly AnyRoute[]): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    const item = paths[route.path] ?? {};
    item[route.method.toLowerCase()] = operationOf(route);
    paths[route.path] = item;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'linux-patch-api',
      version: CORE_VERSION,
      description:
        'Package and patch management for one Linux host. Every endpoint requires mutual TLS (a client certificate from the configured CA) and an allow-listed source address.',
    },
    servers: [{ url: 'https://localhost:12443' }],
    security: [{ mutualTLS: [] }],
    paths,
    components: {
      securitySchemes: { mutualTLS: { type: 'mutualTLS', description: 'Client certificate chained to the configured CA' } },
      schemas: {
        Error: errorSchema,
        ErrorEnvelope: envelopeOf({ type: 'null' }, false),
      },
    },
  };
}
