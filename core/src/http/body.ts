import type { Context } from 'koa';
import type { z } from 'zod';
import { LpaError } from '../errors.js';

export const MAX_BODY_BYTES = 64 * 1024;

/**
 * Reads a JSON request body: at most 64 KiB (413), JSON only (415), well-formed (400). An empty
 * body without a Content-Type is `undefined`, for endpoints whose body is optional.
 */
export async function readJsonBody(ctx: Context): Promise<unknown> {
  const declared = Number(ctx.get('Content-Length') || '0');
  if (declared > MAX_BODY_BYTES) throw new LpaError('LPA_ERR_PAYLOAD_TOO_LARGE', `request body exceeds ${MAX_BODY_BYTES} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  // destroyOnReturn: false: leaving the loop early (413) must not destroy the request stream, or
  // the response is torn down before the envelope is sent.
  for await (const chunk of ctx.req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new LpaError('LPA_ERR_PAYLOAD_TOO_LARGE', `request body exceeds ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  const raw = Buffer.concat(chunks).toString('utf8');
  const contentType = ctx.get('Content-Type');
  if (raw.trim() === '') {
    if (contentType === '' || ctx.is('application/json')) return undefined;
    throw new LpaError('LPA_ERR_UNSUPPORTED_MEDIA_TYPE', 'request bodies must be application/json');
  }
  if (!ctx.is('application/json'))
    throw new LpaError('LPA_ERR_UNSUPPORTED_MEDIA_TYPE', 'request bodies must be application/json');
  try {
    return JSON.parse(raw) as unknown;
  } catch (error) {
    throw new LpaError('LPA_ERR_VALIDATION', 'malformed JSON in request body', {
      details: { reason: error instanceof Error ? error.message : String(error) },
    });
  }
}

/** Validates input with a zod schema; failures are VALIDATION_ERRORs naming each bad field. */
export function validate<S extends z.ZodType>(schema: S, input: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new LpaError('LPA_ERR_VALIDATION', `invalid ${what}`, {
    details: {
      issues: result.error.issues.map((issue) => ({
        path: issue.path.map(String).join('.'),
        message: issue.message,
        ...(issue.code === 'unrecognized_keys' ? { keys: (issue as { keys?: string[] }).keys } : {}),
      })),
    },
  });
}
