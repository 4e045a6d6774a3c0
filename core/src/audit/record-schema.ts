import type { AuditEventName, AuditRecord } from '../contracts/audit.js';
import { formattedOncePer } from '../formatted-once.js';

/** Who wrote a record: on every record as `agent`. */
export interface AuditAgentIdentity {
  hostname: string;
  version: string;
}

const SECRET_KEY = /pass(word|phrase)|secret|private_?key|token|authorization|cookie/i;
const PRIVATE_KEY_PEM = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;
const REDACTED = '[redacted]';
const MAX_DEPTH = 8;

/** Fields every record has (or that are folded into `client`); the rest follow them as given. */
const COMMON_FIELDS = new Set([
  'event',
  'timestamp',
  'agent',
  'prev_hash',
  'request_id',
  'client',
  'client_cn',
  'client_serial',
  'client_fingerprint',
  'ip',
]);

/** Sets a field as an own property, also one named `__proto__` (which plain assignment would not). */
function setField(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** Records carry no secrets: secret-named fields and private-key PEM text are replaced, at any depth. */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.includes('PRIVATE KEY') && PRIVATE_KEY_PEM.test(value) ? REDACTED : value;
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, depth + 1));
  const copy: Record<string, unknown> = {};
  const source = value as Record<string, unknown>;
  for (const key of Object.keys(source))
    setField(copy, key, SECRET_KEY.test(key) ? REDACTED : redactSecrets(source[key], depth + 1));
  return copy;
}

/**
 * `client` is always `{cn, serial, fingerprint256}` or null. A bare CN (as job records keep it) is
 * widened; flat `client_cn` / `client_serial` / `client_fingerprint` fields are folded in.
 */
function normaliseClient(
  client: unknown,
  flat: { cn: unknown; serial: unknown; fingerprint: unknown },
): Record<string, unknown> | null {
  if (client === undefined && (flat.cn !== undefined || flat.serial !== undefined || flat.fingerprint !== undefined)) {
    return { cn: flat.cn ?? null, serial: flat.serial ?? null, fingerprint256: flat.fingerprint ?? null };
  }
  if (typeof client === 'string') return { cn: client, serial: null, fingerprint256: null };
  if (client === null || typeof client !== 'object') return null;
  const { cn = null, serial = null, fingerprint256 = null } = client as Record<string, unknown>;
  return { cn, serial, fingerprint256 };
}

/** Records built in the same millisecond share its timestamp text. */
const millisecondText = formattedOncePer(1, (ms) => new Date(ms).toISOString());

/**
 * One record in the documented schema: the common fields first (`event`, `timestamp` RFC 3339 UTC,
 * `agent`, `request_id`, `client`, `ip`, null when they do not apply), then the event's own fields.
 * Built in one pass over the fields, each value redacted on the way (see redactSecrets). `agent` is
 * shared by the records of one trail, so it must not be changed (the trail freezes its copy).
 */
export function buildAuditRecord(
  event: AuditEventName,
  fields: Record<string, unknown>,
  agent: AuditAgentIdentity,
  now: Date,
): AuditRecord {
  const record: AuditRecord = {
    event,
    timestamp: millisecondText(now.getTime()),
    agent,
    request_id: null,
    client: null,
    ip: null,
  };
  let client: unknown;
  const flat: { cn: unknown; serial: unknown; fingerprint: unknown } = {
    cn: undefined,
    serial: undefined,
    fingerprint: undefined,
  };
  for (const key of Object.keys(fields)) {
    const value = SECRET_KEY.test(key) ? REDACTED : redactSecrets(fields[key], 1);
    switch (key) {
      case 'request_id':
        record.request_id = value ?? null;
        break;
      case 'ip':
        record.ip = value ?? null;
        break;
      case 'client':
        client = value;
        break;
      case 'client_cn':
        flat.cn = value;
        break;
      case 'client_serial':
        flat.serial = value;
        break;
      case 'client_fingerprint':
        flat.fingerprint = value;
        break;
      default:
        if (!COMMON_FIELDS.has(key)) setField(record, key, value);
    }
  }
  record.client = normaliseClient(client, flat);
  return record;
}
