import { z } from 'zod';
import { LpaError } from '../errors.js';
import { validate } from './body.js';

/** A raw query string as Node parses it: a repeated parameter is an array. */
export type RawQuery = Record<string, string | string[] | undefined>;

/** The query of an endpoint that takes no parameters: any parameter is refused. */
export const NO_QUERY = z.object({}).strict();

/** The schema under optional/nullable/default wrappers: what the parameter's value must be. */
function valueSchema(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    const def = current.def as { type: string; innerType?: z.ZodType };
    if ((def.type === 'optional' || def.type === 'nullable' || def.type === 'default') && def.innerType !== undefined) {
      current = def.innerType;
    } else return current;
  }
}

/**
 * A query value in the parameter's declared type: integers and booleans are written in the URL as
 * text, so `limit=10` becomes 10 and `upgradable=true` true. Anything else is left as it came, and
 * the schema then says what is wrong with it.
 */
function decodeValue(schema: z.ZodType, value: string): unknown {
  const type = valueSchema(schema).def.type;
  if (type === 'number' && /^-?\d+(?:\.\d+)?$/.test(value)) return Number(value);
  if (type === 'boolean' && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

/**
 * Validates a query string against an endpoint's query schema (a zod object: one property per
 * parameter), strictly: a parameter the schema does not declare, and a single-valued parameter given
 * more than once, are VALIDATION_ERRORs naming the parameter, so a client asking for something the
 * server does not understand (a dry run, say) never gets a real change instead.
 */
export function readQuery<S extends z.ZodObject>(schema: S, raw: RawQuery): z.infer<S> {
  const shape = schema.shape as Record<string, z.ZodType>;
  const issues: { path: string; message: string }[] = [];
  const decoded: Record<string, unknown> = {};
  for (const name of Object.keys(raw)) {
    const value = raw[name];
    const parameter = Object.hasOwn(shape, name) ? shape[name] : undefined;
    if (parameter === undefined) {
      issues.push({ path: name, message: 'unknown query parameter' });
    } else if (Array.isArray(value)) {
      if (valueSchema(parameter).def.type === 'array') decoded[name] = value;
      else issues.push({ path: name, message: 'query parameter given more than once; it takes one value' });
    } else if (value !== undefined) {
      decoded[name] = decodeValue(parameter, value);
    }
  }
  if (issues.length > 0) {
    throw new LpaError(
      'LPA_ERR_VALIDATION',
      `invalid query string: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`,
      {
        details: { issues },
      },
    );
  }
  return validate(schema, decoded, 'query string');
}
