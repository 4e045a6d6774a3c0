import type { AuditEventName, AuditRecord, AuditSink, AuditWriteResult } from '../contracts/audit.js';
import type { Logger } from '../contracts/logger.js';
import { LpaError } from '../errors.js';
import { type AuditAgentIdentity, buildAuditRecord } from './record-schema.js';
import type { AuditTrail } from './trail.js';

export interface AuditTrailOptions {
  /** Where every record goes (from `audit.sinks`). */
  sinks: readonly AuditSink[];
  /** The file sink: takes a record whenever a sink fails it or keeps only part of it. May also be one of `sinks`. */
  fallback: AuditSink | null;
  agent: AuditAgentIdentity;
  logger: Logger;
  clock?: () => Date;
  /** A write that takes longer counts as failed (and goes to the fallback). */
  writeTimeoutMs?: number;
  /**
   * After a write timed out, the sink is skipped (its records go straight to the fallback) for this
   * long, so a hung sink does not hold every later record for a full timeout each.
   */
  unresponsiveCooldownMs?: number;
  /** At most one `audit_sink_failure` record (and error log line) per sink per interval. */
  failureReportIntervalMs?: number;
  /** How many records no sink could take are held in memory to be written later (default 10 000). */
  heldRecordLimit?: number;
}

const DEFAULT_WRITE_TIMEOUT_MS = 10_000;
const DEFAULT_FAILURE_REPORT_INTERVAL_MS = 60_000;
const DEFAULT_UNRESPONSIVE_COOLDOWN_MS = 30_000;
/** At most one log line per this interval about records no sink could take (each line says how many). */
const LOSS_LOG_INTERVAL_MS = 1000;

/** How many records no sink could take are kept in memory to be written later (about 1 KiB each). */
const DEFAULT_HELD_RECORD_LIMIT = 10_000;

/** Records no sink (not even the fallback) could take nor the trail hold, since the last `audit_records_lost` record. */
interface LostRecords {
  count: number;
  events: Record<string, number>;
  first_lost_at: string;
  last_lost_at: string;
}

/** The Retry-After of a 503 AUDIT_UNAVAILABLE: time for an admin or logrotate to free the disk, or a sink to come back. */
export const AUDIT_RETRY_AFTER_SECONDS = 30;
/** A write a sink has not answered yet. */
interface InFlightWrite {
  startedAt: number;
  fail: (error: Error) => void;
}

/**
 * One sink with its own queue: records reach each sink in the order they were recorded. A sink that
 * pipelines its writes gets each record at once (the calls are made in order); any other sink gets
 * the next record only after the previous write settled. One watchdog timer per lane, armed for the
 * oldest unanswered write, fails writes the sink does not answer in time (a timer per record
 * would cost more than many a sink's write).
 */
class SinkLane {
  private tail: Promise<unknown> = Promise.resolve();
  lastReport = Number.NEGATIVE_INFINITY;
  suppressed = 0;
  /** Until when (clock ms) the sink counts as hung after a timeout. */
  private unresponsiveUntil = Number.NEGATIVE_INFINITY;
  /** Oldest first: a Set keeps insertion order and removes any entry at once. */
  private readonly inFlight = new Set<InFlightWrite>();
  private watchdog: NodeJS.Timeout | null = null;

  constructor(
    readonly sink: AuditSink,
    private readonly timing: { timeoutMs: number; cooldownMs: number; clock: () => Date },
  ) {}

  write(record: AuditRecord, durable: boolean): Promise<AuditWriteResult | undefined> {
    if (this.sink.pipelinesWrites === true) return this.writeWithTimeout(record, durable);
    const result = this.tail.then(() => this.writeWithTimeout(record, durable));
    this.tail = result.catch(() => {});
    return result;
  }

  private writeWithTimeout(record: AuditRecord, durable: boolean): Promise<AuditWriteResult | undefined> {
    const { timeoutMs, clock } = this.timing;
    if (clock().getTime() < this.unresponsiveUntil)
      return Promise.reject(new Error(`skipped: no answer within ${timeoutMs} ms recently`));
    return new Promise((resolve, reject) => {
      const entry: InFlightWrite = { startedAt: performance.now(), fail: reject };
      this.inFlight.add(entry);
      this.armWatchdog();
      const settled = () => {
        this.inFlight.delete(entry);
        if (this.inFlight.size === 0) this.disarmWatchdog();
      };
      let written: ReturnType<AuditSink['write']>;
      try {
        written = this.sink.write(record, { durable });
      } catch (error) {
        written = Promise.reject(error);
      }
      written.then(
        (result) => {
          settled();
          resolve(result ?? undefined);
        },
        (error: unknown) => {
          settled();
          reject(error);
        },
      );
    });
  }

  private armWatchdog(): void {
    if (this.watchdog !== null) return;
    const oldest = this.inFlight.values().next().value;
    if (oldest === undefined) return;
    const delay = Math.max(0, oldest.startedAt + this.timing.timeoutMs - performance.now());
    this.watchdog = setTimeout(() => {
      this.watchdog = null;
      this.failOverdueWrites();
    }, delay);
  }

  private disarmWatchdog(): void {
    if (this.watchdog === null) return;
    clearTimeout(this.watchdog);
    this.watchdog = null;
  }

  private failOverdueWrites(): void {
    const { timeoutMs, cooldownMs, clock } = this.timing;
    const now = performance.now();
    let overdue = false;
    for (const entry of this.inFlight) {
      if (now - entry.startedAt < timeoutMs) break;
      this.inFlight.delete(entry);
      entry.fail(new Error(`no answer within ${timeoutMs} ms`));
      overdue = true;
    }
    if (overdue) this.unresponsiveUntil = clock().getTime() + cooldownMs;
    this.armWatchdog();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The audit fan-out. record() hands a record to every sink and returns at once; a sink that fails
 * (or truncates) it has the record written to the file sink instead, and the failure is logged and
 * audited as `audit_sink_failure` (rate-limited). recordDurable() resolves when at least one sink —
 * the fallback included — has the record durably, and rejects with LPA_ERR_AUDIT_UNAVAILABLE when
 * none could take it.
 */
export class FanOutAuditTrail implements AuditTrail {
  private readonly lanes: SinkLane[];
  private readonly fallback: SinkLane | null;
  private readonly fallbackIsPrimary: boolean;
  private readonly agent: AuditAgentIdentity;
  private readonly logger: Logger;
  private readonly clock: () => Date;
  private readonly reportIntervalMs: number;
  private readonly pending = new Set<Promise<unknown>>();
  private readonly sentToFallback = new WeakMap<AuditRecord, Promise<unknown>>();
  private closed = false;
  private readonly heldRecordLimit: number;
  /** Records no sink could take, to be written once one can (oldest first). */
  private held: AuditRecord[] = [];
  /** Records beyond heldRecordLimit, counted for the next `audit_records_lost` record. */
  private dropped: LostRecords | null = null;
  private resumedAt = Number.NEGATIVE_INFINITY;
  private lossLoggedAt = Number.NEGATIVE_INFINITY;
  private lossesNotLogged = 0;

  constructor(options: AuditTrailOptions) {
    this.clock = options.clock ?? (() => new Date());
    const timing = {
      timeoutMs: options.writeTimeoutMs ?? DEFAULT_WRITE_TIMEOUT_MS,
      cooldownMs: options.unresponsiveCooldownMs ?? DEFAULT_UNRESPONSIVE_COOLDOWN_MS,
      clock: this.clock,
    };
    this.lanes = options.sinks.map((sink) => new SinkLane(sink, timing));
    const fallbackLane = this.lanes.find((lane) => lane.sink === options.fallback);
    this.fallbackIsPrimary = fallbackLane !== undefined;
    this.fallback = fallbackLane ?? (options.fallback === null ? null : new SinkLane(options.fallback, timing));
    // One frozen copy, shared by every record of this trail.
    this.agent = Object.freeze({ ...options.agent });
    this.logger = options.logger;
    this.reportIntervalMs = options.failureReportIntervalMs ?? DEFAULT_FAILURE_REPORT_INTERVAL_MS;
    this.heldRecordLimit = options.heldRecordLimit ?? DEFAULT_HELD_RECORD_LIMIT;
  }

  /** `at`: when the event happened, if not now (records held while the sinks were being replaced). */
  record(event: AuditEventName, fields: Record<string, unknown> = {}, at?: Date): void {
    if (this.closed) {
      this.logger.warn({ event }, 'audit record after the trail was closed; dropped');
      return;
    }
    try {
      this.dispatch(buildAuditRecord(event, fields, this.agent, at ?? this.clock()), this.lanes);
    } catch (error) {
      this.logger.error({ err: error, event }, 'audit record could not be built');
    }
  }

  async recordDurable(event: AuditEventName, fields: Record<string, unknown> = {}): Promise<void> {
    if (this.closed)
      throw new LpaError('LPA_ERR_AUDIT_UNAVAILABLE', 'the audit trail is closed', { retryAfter: AUDIT_RETRY_AFTER_SECONDS });
    const record = buildAuditRecord(event, fields, this.agent, this.clock());
    const attempts = this.lanes.map((lane) => this.track(this.writeOrFallBack(lane, record, true)));
    if (attempts.length === 0 && this.fallback !== null)
      attempts.push(this.track(this.writeOrFallBack(this.fallback, record, true)));
    try {
      await Promise.any(attempts);
    } catch (error) {
      const reasons = error instanceof AggregateError ? error.errors.map(messageOf) : [messageOf(error)];
      this.logger.error({ event, reasons }, 'no audit sink could take a durable record');
      throw new LpaError('LPA_ERR_AUDIT_UNAVAILABLE', 'the audit trail cannot record this operation, so it was not started', {
        details: { event },
        cause: error,
        retryAfter: AUDIT_RETRY_AFTER_SECONDS,
      });
    }
  }

  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    const sinks = new Set([...this.lanes.map((lane) => lane.sink), ...(this.fallback ? [this.fallback.sink] : [])]);
    for (const sink of sinks) {
      try {
        await sink.close();
      } catch (error) {
        this.logger.error({ err: error, sink: sink.name }, 'closing an audit sink failed');
      }
    }
  }

  /**
   * Hands a record to the lanes. A record none of them (nor the fallback) took is not dropped
   * silently: it is logged and held in memory (up to `heldRecordLimit`), and once a sink takes a
   * record again the held records are written, in order and with their own timestamps; records
   * beyond the limit are counted, and an `audit_records_lost` record then says how many of which
   * events could not be kept, and when.
   */
  private dispatch(record: AuditRecord, lanes: readonly SinkLane[]): void {
    if (lanes.length === 0) return;
    if (lanes.length === 1) {
      // One sink (the usual case): the write's own settlement decides, with no promise per record
      // beyond it; flush() waits for it until it settled.
      const lane = lanes[0]!;
      const outcome: Promise<void> = lane.write(record, false).then(
        (result) => {
          this.pending.delete(outcome);
          this.tookRecord(lane, record, result, false);
          this.resumeAfterLoss();
        },
        (error: unknown) => {
          this.pending.delete(outcome);
          this.reportFailure(lane, error);
          this.track(
            this.toFallback(lane, record, false).then(
              () => this.resumeAfterLoss(),
              () => this.noteLost(record),
            ),
          );
        },
      );
      this.pending.add(outcome);
      return;
    }
    const attempts = lanes.map((lane) => this.track(this.writeOrFallBack(lane, record, false)));
    this.track(
      Promise.any(attempts).then(
        () => this.resumeAfterLoss(),
        () => this.noteLost(record),
      ),
    );
  }

  private noteLost(record: AuditRecord): void {
    if (record.event !== 'audit_records_lost' && this.held.length < this.heldRecordLimit) this.held.push(record);
    else this.countDropped(record);
    this.lossesNotLogged += 1;
    const now = this.clock().getTime();
    if (now - this.lossLoggedAt < LOSS_LOG_INTERVAL_MS) return;
    this.lossLoggedAt = now;
    this.logger.error(
      { event: record.event, records: this.lossesNotLogged, held: this.held.length, dropped: this.dropped?.count ?? 0 },
      'audit records no sink could take: held to be written once a sink takes records again (beyond the limit, counted)',
    );
    this.lossesNotLogged = 0;
  }

  private countDropped(record: AuditRecord): void {
    const summary = record.event === 'audit_records_lost' ? (record as unknown as LostRecords) : null;
    const since = summary?.first_lost_at ?? record.timestamp;
    this.dropped ??= { count: 0, events: {}, first_lost_at: since, last_lost_at: since };
    const dropped = this.dropped;
    if (summary !== null) {
      // The summary itself could not be written: its counts stay for the next one.
      dropped.count += summary.count;
      for (const [event, count] of Object.entries(summary.events)) dropped.events[event] = (dropped.events[event] ?? 0) + count;
      if (summary.first_lost_at < dropped.first_lost_at) dropped.first_lost_at = summary.first_lost_at;
      if (summary.last_lost_at > dropped.last_lost_at) dropped.last_lost_at = summary.last_lost_at;
    } else {
      dropped.count += 1;
      dropped.events[record.event] = (dropped.events[record.event] ?? 0) + 1;
      dropped.last_lost_at = record.timestamp;
    }
  }

  private resumeAfterLoss(): void {
    if ((this.held.length === 0 && this.dropped === null) || this.closed) return;
    // On a disk that takes small records but not large ones, retry the held ones at most once a second.
    const now = this.clock().getTime();
    if (now - this.resumedAt < LOSS_LOG_INTERVAL_MS) return;
    this.resumedAt = now;
    const held = this.held;
    const dropped = this.dropped;
    this.held = [];
    this.dropped = null;
    this.logger.warn(
      { written_late: held.length, dropped: dropped?.count ?? 0 },
      'audit sinks take records again; held records are written now',
    );
    for (const record of held) this.dispatch(record, this.lanes);
    if (dropped !== null)
      this.dispatch(buildAuditRecord('audit_records_lost', { ...dropped }, this.agent, this.clock()), this.lanes);
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.pending.add(promise);
    const forget = () => this.pending.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  /**
   * Writes to one sink; if it fails, the record goes to the fallback instead (once per record, however
   * many sinks failed it). Resolves when the sink or the fallback took it.
   */
  private writeOrFallBack(lane: SinkLane, record: AuditRecord, durable: boolean): Promise<void> {
    return lane.write(record, durable).then(
      (result) => this.tookRecord(lane, record, result, durable),
      async (error: unknown) => {
        this.reportFailure(lane, error);
        await this.toFallback(lane, record, durable);
      },
    );
  }

  /** A sink that kept only part of a record: the file sink gets it whole as well. */
  private tookRecord(lane: SinkLane, record: AuditRecord, result: AuditWriteResult | undefined, durable: boolean): void {
    if (result?.truncated === true && lane !== this.fallback && !this.fallbackIsPrimary) {
      this.track(this.toFallback(lane, record, durable)).catch(() => {});
    }
  }

  private toFallback(failed: SinkLane, record: AuditRecord, durable: boolean): Promise<unknown> {
    const fallback = this.fallback;
    if (fallback === null || fallback === failed)
      return Promise.reject(new Error(`${failed.sink.name} failed and there is no other sink`));
    if (this.fallbackIsPrimary) return Promise.reject(new Error(`${failed.sink.name} failed; the file sink has its own copy`));
    let sent = this.sentToFallback.get(record);
    if (sent === undefined) {
      sent = fallback.write(record, durable).catch((error: unknown) => {
        this.reportFailure(fallback, error);
        throw error;
      });
      this.sentToFallback.set(record, sent);
    }
    return sent;
  }

  private reportFailure(lane: SinkLane, error: unknown): void {
    const now = this.clock().getTime();
    if (now - lane.lastReport < this.reportIntervalMs) {
      lane.suppressed += 1;
      return;
    }
    const suppressed = lane.suppressed;
    lane.lastReport = now;
    lane.suppressed = 0;
    this.logger.error({ sink: lane.sink.name, err: error, suppressed }, 'audit sink failed; its records go to the file sink');
    const others = this.lanes.filter((other) => other !== lane);
    const targets = others.length > 0 ? others : this.fallback !== null && this.fallback !== lane ? [this.fallback] : [];
    const record = buildAuditRecord(
      'audit_sink_failure',
      { sink: lane.sink.name, error: messageOf(error), suppressed },
      this.agent,
      this.clock(),
    );
    this.dispatch(record, targets);
  }
}

export function createAuditTrail(options: AuditTrailOptions): FanOutAuditTrail {
  return new FanOutAuditTrail(options);
}
