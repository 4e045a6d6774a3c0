/**
 * Every error that crosses a module boundary is an LpaError with an LPA_ERR_* code.
 * The code decides the API error code and HTTP status; the message is safe to show a client.
 */
export const ERROR_CODES = {
  LPA_ERR_VALIDATION: { api: 'VALIDATION_ERROR', status: 400 },
  LPA_ERR_CROSS_ORIGIN: { api: 'CROSS_ORIGIN_REFUSED', status: 403 },
  LPA_ERR_NOT_FOUND: { api: 'NOT_FOUND', status: 404 },
  LPA_ERR_METHOD_NOT_ALLOWED: { api: 'METHOD_NOT_ALLOWED', status: 405 },
  LPA_ERR_CONFLICT: { api: 'CONFLICT', status: 409 },
  LPA_ERR_LOCKED: { api: 'LOCKED', status: 409 },
  LPA_ERR_VETOED: { api: 'VETOED', status: 409 },
  LPA_ERR_NOT_SUPPORTED: { api: 'NOT_SUPPORTED', status: 409 },
  LPA_ERR_PLAN_CHANGED: { api: 'PLAN_CHANGED', status: 409 },
  LPA_ERR_VERSION_UNAVAILABLE: { api: 'VERSION_UNAVAILABLE', status: 409 },
  LPA_ERR_PRECONDITION_FAILED: { api: 'PRECONDITION_FAILED', status: 412 },
  LPA_ERR_PAYLOAD_TOO_LARGE: { api: 'PAYLOAD_TOO_LARGE', status: 413 },
  LPA_ERR_UNSUPPORTED_MEDIA_TYPE: { api: 'UNSUPPORTED_MEDIA_TYPE', status: 415 },
  LPA_ERR_QUEUE_FULL: { api: 'QUEUE_FULL', status: 429 },
  LPA_ERR_INTERNAL: { api: 'INTERNAL_ERROR', status: 500 },
  LPA_ERR_BACKEND: { api: 'BACKEND_ERROR', status: 502 },
  LPA_ERR_FETCH: { api: 'BACKEND_ERROR', status: 502 },
  LPA_ERR_TIMEOUT: { api: 'TIMEOUT', status: 504 },
  LPA_ERR_CANCELLED: { api: 'CANCELLED', status: 503 },
  LPA_ERR_ROLLBACK_IN_PROGRESS: { api: 'ROLLBACK_IN_PROGRESS', status: 503 },
  LPA_ERR_AUDIT_UNAVAILABLE: { api: 'AUDIT_UNAVAILABLE', status: 503 },
  LPA_ERR_STATE_UNAVAILABLE: { api: 'STATE_UNAVAILABLE', status: 503 },
  LPA_ERR_CONFIG_INVALID: { api: 'INTERNAL_ERROR', status: 500 },
  LPA_ERR_TLS_MATERIAL: { api: 'INTERNAL_ERROR', status: 500 },
  LPA_ERR_PLUGIN_VERSION_MISMATCH: { api: 'INTERNAL_ERROR', status: 500 },
  LPA_ERR_PLUGIN_INVALID: { api: 'INTERNAL_ERROR', status: 500 },
  LPA_ERR_PLUGIN_LOAD: { api: 'INTERNAL_ERROR', status: 500 },
  LPA_ERR_DUPLICATE_BACKEND: { api: 'INTERNAL_ERROR', status: 500 },
  LPA_ERR_DUPLICATE_SINK: { api: 'INTERNAL_ERROR', status: 500 },
  LPA_ERR_NO_BACKEND: { api: 'INTERNAL_ERROR', status: 500 },
} as const satisfies Record<string, { api: string; status: number }>;

export type LpaErrorCode = keyof typeof ERROR_CODES;
export type ApiErrorCode = (typeof ERROR_CODES)[LpaErrorCode]['api'];

export interface LpaErrorOptions {
  details?: Record<string, unknown>;
  cause?: unknown;
  /** Seconds a client should wait before retrying (sent as Retry-After). */
  retryAfter?: number;
}

export class LpaError extends Error {
  readonly code: LpaErrorCode;
  readonly details: Record<string, unknown> | undefined;
  readonly retryAfter: number | undefined;

  constructor(code: LpaErrorCode, message: string, options: LpaErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LpaError';
    this.code = code;
    this.details = options.details;
    this.retryAfter = options.retryAfter;
  }

  get apiCode(): ApiErrorCode {
    return ERROR_CODES[this.code].api;
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }

  /** The shape sent to clients and stored in job records: never a stack trace. */
  toJSON(): { code: ApiErrorCode; message: string; details?: Record<string, unknown> } {
    return this.details === undefined
      ? { code: this.apiCode, message: this.message }
      : { code: this.apiCode, message: this.message, details: this.details };
  }
}

export function isLpaError(value: unknown, code?: LpaErrorCode): value is LpaError {
  return value instanceof LpaError && (code === undefined || value.code === code);
}

/** Wraps anything thrown into an LpaError, keeping LpaErrors as they are. */
export function toLpaError(value: unknown, fallback: LpaErrorCode = 'LPA_ERR_INTERNAL'): LpaError {
  if (value instanceof LpaError) return value;
  const message = fallback === 'LPA_ERR_INTERNAL' ? 'internal error' : value instanceof Error ? value.message : String(value);
  return new LpaError(fallback, message, { cause: value });
}
