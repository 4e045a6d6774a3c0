import type { AuditSink, AuditSinkContext, AuditSinkDefinition } from '../contracts/audit.js';
import type { Logger } from '../contracts/logger.js';
import { LpaError } from '../errors.js';

export const FILE_SINK = 'file';
export const AUTO = 'auto';

export interface SinkChoice {
  /** The definitions records go to, in `audit.sinks` order. */
  primary: AuditSinkDefinition[];
  /** The file sink definition, or null when no plugin registered one. */
  fallback: AuditSinkDefinition | null;
}

/**
 * Resolves `audit.sinks`. `auto` is the most preferred available sink other than the file sink
 * (journald when its socket exists, else syslog when /dev/log exists); explicit names must be
 * registered. The file sink is always there as the fallback, and is the sink itself when nothing
 * else is chosen.
 */
export async function chooseAuditSinks(
  names: readonly string[],
  definitions: readonly AuditSinkDefinition[],
  logger: Logger,
): Promise<SinkChoice> {
  const fallback = definitions.find((definition) => definition.name === FILE_SINK) ?? null;
  const chosen: AuditSinkDefinition[] = [];
  const add = (definition: AuditSinkDefinition) => {
    if (!chosen.includes(definition)) chosen.push(definition);
  };
  for (const name of names) {
    if (name === AUTO) {
      const candidates = definitions
        .filter((definition) => definition.name !== FILE_SINK)
        .sort((a, b) => b.priority - a.priority);
      let found = false;
      for (const candidate of candidates) {
        if (await isAvailable(candidate, logger)) {
          add(candidate);
          found = true;
          break;
        }
      }
      if (!found)
        logger.info('audit.sinks auto: neither journald nor syslog is available here; the file sink takes every record');
      continue;
    }
    const definition = definitions.find((candidate) => candidate.name === name);
    if (definition === undefined) {
      const known = definitions.map((candidate) => candidate.name);
      throw new LpaError(
        'LPA_ERR_CONFIG_INVALID',
        `audit.sinks names "${name}", which no loaded plugin provides (known: ${known.join(', ') || 'none'})`,
        {
          details: { sink: name, known },
        },
      );
    }
    if (!(await isAvailable(definition, logger)))
      logger.warn({ sink: name }, 'audit sink is configured but not available now; its records will go to the file sink');
    add(definition);
  }
  if (fallback === null) logger.error('no file audit sink is installed: records of a failing sink are lost');
  if (chosen.length === 0 && fallback !== null) chosen.push(fallback);
  return { primary: chosen, fallback };
}

async function isAvailable(definition: AuditSinkDefinition, logger: Logger): Promise<boolean> {
  try {
    return await definition.available();
  } catch (error) {
    logger.warn({ sink: definition.name, err: error }, 'audit sink availability check failed');
    return false;
  }
}

export interface CreatedSinks {
  sinks: AuditSink[];
  fallback: AuditSink | null;
}

/**
 * Creates the chosen sinks. One that cannot be created is logged and left out (its records go to the
 * fallback); if no sink at all can be created, the trail has none and every mutating request is refused.
 */
export async function createChosenSinks(choice: SinkChoice, context: AuditSinkContext): Promise<CreatedSinks> {
  const created = new Map<AuditSinkDefinition, AuditSink>();
  const make = async (definition: AuditSinkDefinition): Promise<AuditSink | null> => {
    const existing = created.get(definition);
    if (existing) return existing;
    try {
      const sink = await definition.create(context);
      created.set(definition, sink);
      return sink;
    } catch (error) {
      context.logger.error({ sink: definition.name, err: error }, 'audit sink could not be created');
      return null;
    }
  };
  const fallback = choice.fallback === null ? null : await make(choice.fallback);
  const sinks: AuditSink[] = [];
  for (const definition of choice.primary) {
    const sink = await make(definition);
    if (sink !== null) sinks.push(sink);
  }
  if (sinks.length === 0 && fallback !== null) sinks.push(fallback);
  return { sinks, fallback };
}
