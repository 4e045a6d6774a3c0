import type {
  AuditRecord,
  AuditSink,
  AuditSinkDefinition,
  AuditWriteOptions,
  AuditWriteResult,
} from '../../src/contracts/audit.js';
import type { Logger } from '../../src/contracts/logger.js';

/** A logger that keeps its lines, so tests can see what was logged. */
export function capturingLogger(): Logger & {
  lines: Array<{ level: string; fields: Record<string, unknown>; message?: string }>;
} {
  const lines: Array<{ level: string; fields: Record<string, unknown>; message?: string }> = [];
  const at =
    (level: string) =>
    (first: string | Record<string, unknown>, message?: string): void => {
      if (typeof first === 'string') lines.push({ level, fields: {}, message: first });
      else lines.push({ level, fields: first, message });
    };
  const logger = {
    lines,
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    fatal: at('fatal'),
    child: () => logger,
  };
  return logger;
}

/**
 * A sink that keeps what it was given in memory. Its behaviour is set per test: `fail` rejects every
 * write, `truncate` reports records as cut, `gate` holds writes until released, `delays` vary timing.
 */
export class MemorySink implements AuditSink {
  readonly records: AuditRecord[] = [];
  readonly writes: Array<{ record: AuditRecord; durable: boolean }> = [];
  fail: Error | null = null;
  truncate = false;
  hang = false;
  closed = false;
  private gate: Promise<void> | null = null;
  private release: (() => void) | null = null;

  constructor(readonly name: string) {}

  hold(): void {
    this.gate = new Promise((resolve) => {
      this.release = resolve;
    });
  }

  open(): void {
    this.release?.();
    this.gate = null;
  }

  async write(record: AuditRecord, options: AuditWriteOptions): Promise<AuditWriteResult> {
    this.writes.push({ record, durable: options.durable });
    if (this.gate) await this.gate;
    if (this.hang) await new Promise(() => {});
    await new Promise((resolve) => setImmediate(resolve));
    if (this.fail) throw this.fail;
    this.records.push(record);
    return { truncated: this.truncate };
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

export function definition(
  name: string,
  options: { priority?: number; available?: boolean } = {},
): AuditSinkDefinition & {
  sink: MemorySink;
} {
  const sink = new MemorySink(name);
  return { name, priority: options.priority ?? 0, available: () => options.available ?? true, create: () => sink, sink };
}
