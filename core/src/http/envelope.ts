import type { Context } from 'koa';
import type { LpaError } from '../errors.js';
import { formattedOncePer } from '../formatted-once.js';

/** The response envelope of SPEC §5: every answer has exactly this shape. */
export interface Envelope<T = unknown> {
  success: boolean;
  request_id: string;
  timestamp: string;
  data: T | null;
  error: { code: string; message: string; details?: Record<string, unknown> } | null;
}

export function rfc3339(date: Date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The envelope's timestamp has whole seconds: formatted once per second, not once per answer. */
const secondText = formattedOncePer(1000, (ms) => rfc3339(new Date(ms)));
const now = () => secondText(Date.now());

export function requestIdOf(ctx: Context): string {
  return ctx.state.requestId as string;
}

/**
 * The envelope goes out already serialised: Koa then skips its checks of an object body against
 * the web stream classes, whose first use loads Node's whole fetch implementation into the agent.
 */
function setJsonBody(ctx: Context, body: unknown): void {
  // The header itself: Koa's `type` setter would look the complete type up again on every answer.
  ctx.set('Content-Type', 'application/json; charset=utf-8');
  ctx.body = JSON.stringify(body);
}

export function sendData<T>(ctx: Context, data: T, status = 200): void {
  if (data instanceof SerialisedData) {
    sendSerialisedData(ctx, data, status);
    return;
  }
  const body: Envelope<T> = { success: true, request_id: requestIdOf(ctx), timestamp: now(), data, error: null };
  ctx.status = status;
  setJsonBody(ctx, body);
}

/**
 * A large `data` value serialised once (UTF-8 JSON) and sent in many envelopes while it stays the
 * same: per answer only the envelope's own few fields are written around it, so the value is
 * neither stringified, measured nor encoded again (GET /packages on a host with 1,000 packages).
 */
export class SerialisedData {
  readonly json: Buffer;
  constructor(data: unknown) {
    this.json = Buffer.from(JSON.stringify(data), 'utf8');
  }
}

const SERIALISED_TAIL = Buffer.from(',"error":null}');

/** The same bytes as sendData with the plain value: the envelope's fields in the same order. */
function sendSerialisedData(ctx: Context, data: SerialisedData, status: number): void {
  const head = `{"success":true,"request_id":${JSON.stringify(requestIdOf(ctx))},"timestamp":${JSON.stringify(now())},"data":`;
  ctx.status = status;
  ctx.set('Content-Type', 'application/json; charset=utf-8');
  ctx.body = Buffer.concat([Buffer.from(head), data.json, SERIALISED_TAIL]);
}

/** A document sent as it is: the one answer that is not an envelope (GET /openapi.json). */
export function sendRaw(ctx: Context, data: unknown, status = 200): void {
  ctx.status = status;
  setJsonBody(ctx, data);
}

/** The envelope of a refused request. */
export function errorBody(requestId: string, error: LpaError): Envelope<null> {
  return { success: false, request_id: requestId, timestamp: now(), data: null, error: error.toJSON() };
}

export function sendError(ctx: Context, error: LpaError): void {
  const body = errorBody(requestIdOf(ctx), error);
  ctx.status = error.status;
  // The request log names the code of every refused request.
  ctx.state.errorCode = error.apiCode;
  if (error.retryAfter !== undefined) ctx.set('Retry-After', String(Math.max(1, Math.ceil(error.retryAfter))));
  // The rest of an oversized body is not read: Node would drain it to keep the connection alive,
  // so a client could make the agent take in any amount. The connection ends after the answer.
  if (error.code === 'LPA_ERR_PAYLOAD_TOO_LARGE') ctx.set('Connection', 'close');
  setJsonBody(ctx, body);
}
