import { type DestinationStream, type Logger, pino } from 'pino';

export interface LoggerOptions {
  level?: string;
  /** Where the JSON lines go; stdout by default (journald or the terminal picks them up). */
  destination?: DestinationStream;
}

/** The operational log: pino JSON lines. Audit records go through the AuditTrail, not here. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.LPA_LOG_LEVEL ?? 'info';
  return pino(
    { name: 'linux-patch-api', level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
