import { z } from 'zod';
import { CORE_VERSION } from '../version.js';
import type { AnyRoute } from './route.js';
import { apiErrorSchema } from './schemas/error.js';

type JsonSchema = Record<string, unknown>;

/**
 * A documented endpoint that is not a route of the router: the /ws/jobs upgrade. It is described
 * as a GET whose success is 101, with the JSON messages its frames carry as the 101 content.
 */
export interface StreamDescription {
  path: string;
  operationId: string;
  summary: string;
  description: string;
  tags: string[];
  query: z.ZodObject;
  /** The schema of one message (one text frame). */
  message: z.ZodType;
}

export interface OpenApiOptions {
  streams?: readonly StreamDescription[];
  /**
   * The package-name grammar of the selected backend as one regular expression, when one states it
   * whole: it becomes the `pattern` of the `PackageName` schema.
   */
  packageNamePattern?: string | null;
}

const TAG_DESCRIPTIONS: Readonly<Record<string, string>> = {
  system: 'The agent and the host it runs on',
  packages: 'Installed packages: list, inspect, install, update, remove',
  patches: 'Available updates and applying them',
  jobs: 'Asynchronous jobs: every change to the host runs as one',
  meta: 'This description of the API',
};

/**
 * Named component schemas: a zod schema given `.meta({ id })` is emitted once under
 * `components.schemas` and referenced everywhere it appears. zod puts such schemas in `$defs`; they
 * are lifted into the components here and the references rewritten to point there.
 */
class Components {
  readonly schemas: Record<string, JsonSchema> = {};
  readonly #rendered = new Map<string, string>();

  convert(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
    const raw = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
    const {
      $schema: _dialect,
      $defs,
      ...rest
    } = JSON.parse(JSON.stringify(raw).replaceAll('"#/$defs/', '"#/components/schemas/')) as JsonSchema & {
      $defs?: Record<string, JsonSchema>;
    };
    for (const [id, definition] of Object.entries($defs ?? {})) this.add(id, definition);
    return rest;
  }

  /** A component; the same id rendered two ways (input and output differ) is a bug in the schemas. */
  add(id: string, definition: JsonSchema): void {
    const text = JSON.stringify(definition);
    const previous = this.#rendered.get(id);
    if (previous !== undefined && previous !== text) {
      throw new Error(`component schema ${id} renders differently where it is used: give the variants their own ids`);
    }
    this.#rendered.set(id, text);
    this.schemas[id] = definition;
  }
}

function componentId(schema: JsonSchema): string | null {
  const ref = schema.$ref;
  return typeof ref === 'string' && ref.startsWith('#/components/schemas/') ? ref.slice('#/components/schemas/'.length) : null;
}

const JSON_CONTENT = 'application/json';

function envelopeSchema(data: JsonSchema, success: boolean): JsonSchema {
  return {
    type: 'object',
    description: success
      ? 'A successful answer: the result is `data`'
      : 'A refused or failed request: what went wrong is `error`',
    required: ['success', 'request_id', 'timestamp', 'data', 'error'],
    additionalProperties: false,
    properties: {
      success: { const: success },
      request_id: { type: 'string', format: 'uuid', description: 'Also sent as the X-Request-Id header' },
      timestamp: { type: 'string', format: 'date-time' },
      data,
      error: success ? { type: 'null' } : { $ref: '#/components/schemas/Error' },
    },
  };
}

/** Path and query parameters from a zod object schema, one OpenAPI parameter per property. */
function parametersOf(components: Components, schema: z.ZodObject | undefined, location: 'path' | 'query'): JsonSchema[] {
  if (schema === undefined) return [];
  return Object.entries(schema.shape as Record<string, z.ZodType>).map(([name, property]) => {
    const optional = property.safeParse(undefined).success;
    const { description, ...rendered } = components.convert(property, 'input');
    return {
      name,
      in: location,
      required: location === 'path' || !optional,
      ...(typeof description === 'string' ? { description } : {}),
      schema: rendered,
    };
  });
}

const HEADERS = {
  'X-Request-Id': { description: 'The request id, as in the envelope', schema: { type: 'string', format: 'uuid' } },
  Location: { description: 'Where the new job lives: `/jobs/{id}`', schema: { type: 'string' } },
  'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer', minimum: 1 } },
} as const;

function header(name: keyof typeof HEADERS): JsonSchema {
  return { $ref: `#/components/headers/${name}` };
}

function errorResponse(description: string, headers: JsonSchema = {}): JsonSchema {
  return {
    description,
    headers: { 'X-Request-Id': header('X-Request-Id'), ...headers },
    content: { [JSON_CONTENT]: { schema: { $ref: '#/components/schemas/ErrorEnvelope' } } },
  };
}

const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'DELETE']);

/**
 * The success envelope of a response: `<Name>Envelope` when `data` is a named schema, so that
 * generated clients get one named type per answer.
 */
function successSchema(components: Components, data: JsonSchema): JsonSchema {
  const id = componentId(data);
  if (id === null) return envelopeSchema(data, true);
  components.add(`${id}Envelope`, envelopeSchema(data, true));
  return { $ref: `#/components/schemas/${id}Envelope` };
}

/** Links from an answer holding a job to the operations that take its id. */
function jobLinks(dataId: string | null, operationIds: ReadonlySet<string>): JsonSchema | undefined {
  if (dataId !== 'Job') return undefined;
  const links: JsonSchema = {};
  if (operationIds.has('getJob')) {
    links.GetJob = { operationId: 'getJob', parameters: { id: '$response.body#/data/id' }, description: 'The job, as it runs' };
  }
  if (operationIds.has('rollbackJob')) {
    links.RollbackJob = {
      operationId: 'rollbackJob',
      parameters: { id: '$response.body#/data/id' },
      description: 'Undo what the job changed, once it has finished',
    };
  }
  return Object.keys(links).length === 0 ? undefined : links;
}

function operationOf(route: AnyRoute, components: Components, operationIds: ReadonlySet<string>): JsonSchema {
  const status = String(route.status ?? 200);
  const data = components.convert(route.response, 'output');
  const links = jobLinks(componentId(data), operationIds);
  const responses: Record<string, JsonSchema> = {
    [status]: {
      description: status === '202' ? 'Accepted: the job was created; `data` is the new job' : 'OK',
      headers: {
        'X-Request-Id': header('X-Request-Id'),
        ...(route.location === undefined ? {} : { Location: header('Location') }),
      },
      content: { [JSON_CONTENT]: { schema: route.raw === true ? data : successSchema(components, data) } },
      ...(links === undefined ? {} : { links }),
    },
    '400': errorResponse('VALIDATION_ERROR: a bad path, query string or body (unknown query parameters included)'),
  };
  if (route.params !== undefined) responses['404'] = errorResponse('NOT_FOUND: no such resource');
  if (status === '202') {
    responses['409'] = errorResponse('CONFLICT, LOCKED (another package manager holds its lock) or VETOED by a plugin');
  }
  if (METHODS_WITH_BODY.has(route.method)) {
    responses['413'] = errorResponse('PAYLOAD_TOO_LARGE: the body is over 64 KiB');
    responses['415'] = errorResponse('UNSUPPORTED_MEDIA_TYPE: the body is not application/json');
  }
  if (status === '202') responses['429'] = errorResponse('QUEUE_FULL: too many jobs are waiting');
  responses['503'] = errorResponse('ROLLBACK_IN_PROGRESS (the agent is exclusive while a rollback runs) or AUDIT_UNAVAILABLE', {
    'Retry-After': header('Retry-After'),
  });
  responses.default = errorResponse('Any other error: INTERNAL_ERROR, BACKEND_ERROR, TIMEOUT, …');

  const operation: JsonSchema = {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.description === undefined ? {} : { description: route.description }),
    ...(route.tags === undefined ? {} : { tags: route.tags }),
    parameters: [...parametersOf(components, route.params, 'path'), ...parametersOf(components, route.query, 'query')],
    responses,
  };
  if (route.body !== undefined) {
    const optional = route.body.safeParse(undefined).success;
    operation.requestBody = {
      required: !optional,
      content: { [JSON_CONTENT]: { schema: components.convert(route.body, 'input') } },
    };
  }
  return operation;
}

function streamOperationOf(stream: StreamDescription, components: Components): JsonSchema {
  return {
    operationId: stream.operationId,
    summary: stream.summary,
    description: stream.description,
    tags: stream.tags,
    parameters: parametersOf(components, stream.query, 'query'),
    responses: {
      '101': {
        description:
          'Switching Protocols: the connection is a WebSocket; every text frame the agent sends is one JSON message of this schema',
        content: { [JSON_CONTENT]: { schema: components.convert(stream.message, 'output') } },
      },
      '400': errorResponse('VALIDATION_ERROR: an unknown, repeated or malformed query parameter; the upgrade is refused'),
      '404': errorResponse('The upgrade asked for another path'),
    },
  };
}

/** The OpenAPI 3.1 document of the API, generated from the route definitions themselves. */
export function buildOpenApiDocument(routes: readonly AnyRoute[], options: OpenApiOptions = {}): JsonSchema {
  const components = new Components();
  components.convert(apiErrorSchema, 'output');
  components.add('ErrorEnvelope', envelopeSchema({ type: 'null' }, false));
  const operationIds = new Set(routes.map((route) => route.operationId));
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    const item = paths[route.path] ?? {};
    item[route.method.toLowerCase()] = operationOf(route, components, operationIds);
    paths[route.path] = item;
  }
  for (const stream of options.streams ?? []) paths[stream.path] = { get: streamOperationOf(stream, components) };
  const namePattern = options.packageNamePattern;
  const packageName = components.schemas.PackageName;
  if (namePattern !== undefined && namePattern !== null && packageName !== undefined) {
    components.schemas.PackageName = { ...packageName, pattern: namePattern };
  }
  const tags = [
    ...new Set([...routes.flatMap((route) => route.tags ?? []), ...(options.streams ?? []).flatMap((stream) => stream.tags)]),
  ].map((name) => ({ name, description: TAG_DESCRIPTIONS[name] ?? `Operations on ${name}` }));
  return {
    openapi: '3.1.0',
    info: {
      title: 'linux-patch-api',
      version: CORE_VERSION,
      description:
        'Package and patch management for one Linux host. Every endpoint requires mutual TLS (a client certificate from the configured CA) and an allow-listed source address. Every answer but this document is the envelope `{success, request_id, timestamp, data, error}`; unknown query parameters and body fields are refused.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: '/', description: 'The agent that serves this document' }],
    security: [{ mutualTLS: [] }],
    tags,
    paths,
    components: {
      securitySchemes: { mutualTLS: { type: 'mutualTLS', description: 'Client certificate chained to the configured CA' } },
      headers: HEADERS,
      schemas: components.schemas,
    },
  };
}
