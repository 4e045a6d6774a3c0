import { hostname } from 'node:os';
import type { AuditSinkDefinition } from '../contracts/audit.js';
import type { Logger } from '../contracts/logger.js';
import { CORE_VERSION } from '../version.js';
import { createAuditTrail, type FanOutAuditTrail } from './fan-out.js';
import { chooseAuditSinks, createChosenSinks } from './sink-selection.js';

export interface OpenAuditTrailOptions {
  /** `audit.sinks`. */
  sinkNames: readonly string[];
  /** `paths.log_dir`. */
  logDir: string;
  /** `audit.retention_days`. */
  retentionDays: number;
  /** The sinks the loaded plugins registered. */
  definitions: readonly AuditSinkDefinition[];
  logger: Logger;
}

/** Chooses and creates the configured sinks and returns the fan-out over them. */
export async function openAuditTrail(options: OpenAuditTrailOptions): Promise<FanOutAuditTrail> {
  const logger = options.logger.child({ component: 'audit' });
  const choice = await chooseAuditSinks(options.sinkNames, options.definitions, logger);
  const { sinks, fallback } = await createChosenSinks(choice, {
    logDir: options.logDir,
    retentionDays: options.retentionDays,
    logger,
  });
  if (sinks.length === 0) logger.error('no audit sink could be created: every mutating request will be refused');
  logger.info({ sinks: sinks.map((sink) => sink.name), fallback: fallback?.name ?? null }, 'audit trail ready');
  return createAuditTrail({ sinks, fallback, agent: { hostname: hostname(), version: CORE_VERSION }, logger });
}
