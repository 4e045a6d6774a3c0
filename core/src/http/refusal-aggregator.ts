import type { AuditEventName } from '../contracts/audit.js';

/** How long one peer's refusals of one reason are counted into one summary record. */
export const REFUSAL_WINDOW_MS = 60_000;
/** Distinct (event, peer, reason) windows tracked at once; more are counted under the peer `*`. */
export const MAX_REFUSAL_WINDOWS = 10_000;

export type RefusalEvent = Extract<AuditEventName, 'ip_denied' | 'auth_failure'>;

interface Window {
  event: RefusalEvent;
  ip: string;
  reason: string;
  openedAt: number;
  /** Refusals after the first one written at once (or since the last summary). */
  count: number;
  lastAt: number;
}

export interface RefusalAggregatorOptions {
  record: (event: RefusalEvent, fields: Record<string, unknown>) => void;
  windowMs?: number;
  maxWindows?: number;
}

/**
 * Keeps a flood of refused peers from filling the audit disk (SPEC §8): the first `ip_denied` or
 * `auth_failure` of a peer address and reason is recorded at once; further ones within the window
 * are counted, and the window ends with one summary record (`summary: true`, `count`). A peer that
 * keeps failing costs at most two records in its first minute and one a minute after that; once a
 * window passes without a refusal, the next one is recorded at once again.
 */
export class RefusalAggregator {
  private readonly windows = new Map<string, Window>();
  private readonly windowMs: number;
  private readonly maxWindows: number;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly options: RefusalAggregatorOptions) {
    this.windowMs = options.windowMs ?? REFUSAL_WINDOW_MS;
    this.maxWindows = options.maxWindows ?? MAX_REFUSAL_WINDOWS;
  }

  refuse(event: RefusalEvent, fields: { ip: string; reason: string } & Record<string, unknown>): void {
    const now = Date.now();
    let ip = fields.ip;
    let key = `${event}\u0000${ip}\u0000${fields.reason}`;
    if (!this.windows.has(key) && this.windows.size >= this.maxWindows) {
      ip = '*';
      key = `${event}\u0000*\u0000${fields.reason}`;
    }
    const open = this.windows.get(key);
    if (open !== undefined) {
      open.count += 1;
      open.lastAt = now;
      return;
    }
    this.windows.set(key, { event, ip, reason: fields.reason, openedAt: now, count: 0, lastAt: now });
    this.options.record(event, ip === fields.ip ? fields : { ...fields, ip, overflow: true });
    this.timer ??= setInterval(() => this.closeWindows(Date.now()), Math.min(this.windowMs, 1000)).unref();
  }

  /** Writes the summary of every window older than the window length (all of them with `force`). */
  private closeWindows(now: number, force = false): void {
    for (const [key, window] of this.windows) {
      if (!force && now - window.openedAt < this.windowMs) continue;
      if (window.count === 0) {
        this.windows.delete(key);
        continue;
      }
      this.options.record(window.event, {
        ip: window.ip,
        reason: window.reason,
        summary: true,
        count: window.count,
        window_seconds: Math.round((now - window.openedAt) / 1000),
        last_at: new Date(window.lastAt).toISOString(),
      });
      window.count = 0;
      window.openedAt = now;
      if (force) this.windows.delete(key);
    }
    if (this.windows.size === 0 && this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  /** Writes every pending summary now (at stop). */
  flush(): void {
    this.closeWindows(Date.now(), true);
  }
}
