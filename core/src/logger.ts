import { type DestinationStream, type Logger, pino } from 'pino';
import { formattedOncePer } from './formatted-once.js';
import { TurnBatchedDestination } from './log-destination.js';

export interface LoggerOptions {
  level?: string;
  /** Where the JSON lines go; stdout by default (journald or the terminal picks them up). */
  destination?: DestinationStream;
}

/** pino's isoTime, formatted once per millisecond: a busy agent writes several lines in each. */
const timeField = formattedOncePer(1, (ms) => `,"time":"${new Date(ms).toISOString()}"`);
const isoTime = () => timeField(Date.now());

/** The operational log: pino JSON lines. Audit records go through the AuditTrail, not here. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.LPA_LOG_LEVEL ?? 'info';
  return pino(
    { name: 'linux-patch-api', level, base: { pid: process.pid }, timestamp: isoTime },
    options.destination ?? new TurnBatchedDestination(pino.destination({ dest: 1, sync: false })),
  );
}
