import type { LogFn, Logger } from '../contracts/logger.js';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

export interface LogEntry {
  level: LogLevel;
  message: string;
  fields: Record<string, unknown>;
}

/** A Logger that keeps every entry in memory (children share the list), for assertions. */
export interface MemoryLogger extends Logger {
  readonly entries: LogEntry[];
  child(bindings: Record<string, unknown>): MemoryLogger;
}

export function createMemoryLogger(bindings: Record<string, unknown> = {}, entries: LogEntry[] = []): MemoryLogger {
  const at =
    (level: LogLevel): LogFn =>
    (first: string | Record<string, unknown>, message?: string) => {
      if (typeof first === 'string') entries.push({ level, message: first, fields: { ...bindings } });
      else entries.push({ level, message: message ?? '', fields: { ...bindings, ...first } });
    };
  return {
    entries,
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    fatal: at('fatal'),
    child: (more) => createMemoryLogger({ ...bindings, ...more }, entries),
  };
}
