import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createAuditTrail } from '../../src/audit/fan-out.js';
import { isLpaError } from '../../src/errors.js';
import { capturingLogger, MemorySink } from './support.js';

const agent = { hostname: 'host-1', version: '1.2.3' };

function trail(
  sinks: MemorySink[],
  fallback: MemorySink | null,
  extra: { clock?: () => Date; writeTimeoutMs?: number; unresponsiveCooldownMs?: number } = {},
) {
  const logger = capturingLogger();
  return { logger, audit: createAuditTrail({ sinks, fallback, agent, logger, ...extra }) };
}

describe('record schema', () => {
  test('every record has the common fields first, a UTC RFC 3339 timestamp and a normalised client', async () => {
    const file = new MemorySink('file');
    const { audit } = trail([file], file);
    audit.record('api_request', {
      request_id: 'r-1',
      client: { cn: 'admin', serial: '01', fingerprint256: 'AA', raw: 'not kept' },
      ip: '10.0.0.1',
      method: 'GET',
      path: '/health',
      status: 200,
      duration_ms: 3,
    });
    audit.record('job_update', { job_id: 'j-1', status: 'running', client: 'admin' });
    audit.record('auth_success', { ip: '::1', client_cn: 'ops', client_serial: '02', client_fingerprint: 'BB' });
    audit.record('agent_start', { event: 'spoofed', timestamp: 'yesterday', agent: 'spoofed' });
    await audit.flush();
    const [request, job, auth, start] = file.records;
    assert.deepEqual(auth!.client, { cn: 'ops', serial: '02', fingerprint256: 'BB' });
    assert.ok(!('client_cn' in auth!), 'flat client fields are folded into client');
    assert.deepEqual(Object.keys(request!).slice(0, 6), ['event', 'timestamp', 'agent', 'request_id', 'client', 'ip']);
    assert.match(request!.timestamp, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    assert.deepEqual(request!.agent, agent);
    assert.deepEqual(request!.client, { cn: 'admin', serial: '01', fingerprint256: 'AA' });
    assert.equal(request!.method, 'GET');
    assert.deepEqual(job!.client, { cn: 'admin', serial: null, fingerprint256: null });
    assert.equal(job!.request_id, null);
    assert.equal(job!.ip, null);
    assert.equal(start!.event, 'agent_start');
    assert.notEqual(start!.timestamp, 'yesterday');
    assert.deepEqual(start!.agent, agent);
  });

  test('records carry no secrets: secret-named fields and private keys are redacted at any depth', async () => {
    const file = new MemorySink('file');
    const { audit } = trail([file], file);
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIEv...\n-----END PRIVATE KEY-----\n';
    audit.record('config_reload', {
      accepted: true,
      changes: { tls: { key: '/etc/linux_patch_api/certs/server.key', private_key: 'x', passphrase: 'hunter2' } },
      material: [pem],
      authorization: 'Bearer abc',
    });
    await audit.flush();
    const text = JSON.stringify(file.records[0]);
    assert.ok(!text.includes('hunter2'));
    assert.ok(!text.includes('MIIEv'));
    assert.ok(!text.includes('Bearer abc'));
    assert.ok(text.includes('/etc/linux_patch_api/certs/server.key'), 'a key file path is not a secret');
  });

  test('a field named __proto__ (as JSON.parse makes from request input) stays a plain field at any depth', async () => {
    const file = new MemorySink('file');
    const { audit } = trail([file], file);
    const hostile = JSON.parse('{"__proto__": {"polluted": true}, "nested": {"__proto__": {"polluted": true}}, "path": "/x"}');
    audit.record('api_request', hostile);
    await audit.flush();
    const record = file.records[0]!;
    assert.equal(Object.getPrototypeOf(record), Object.prototype);
    assert.equal((record as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.getPrototypeOf(record.nested), Object.prototype);
    assert.deepEqual(Object.getOwnPropertyDescriptor(record, '__proto__')?.value, { polluted: true }, 'the field itself is kept');
    assert.match(JSON.stringify(record), /"__proto__":\{"polluted":true\}/);
    assert.equal(record.path, '/x');
  });
});

describe('record()', () => {
  test('returns at once, never waiting for a slow sink, and never throws', async () => {
    const file = new MemorySink('file');
    file.hold();
    const { audit } = trail([file], file);
    audit.record('api_request', { n: 1 });
    assert.equal(file.records.length, 0, 'the sink has not finished yet, and record() returned');
    file.open();
    await audit.flush();
    assert.equal(file.records.length, 1);
    assert.doesNotThrow(() =>
      audit.record('api_request', {
        cyclic: {
          toJSON: () => {
            throw new Error('boom');
          },
        },
      }),
    );
  });

  test('keeps the order of records per sink', async () => {
    const journald = new MemorySink('journald');
    const file = new MemorySink('file');
    const { audit } = trail([journald, file], file);
    for (let n = 0; n < 100; n += 1) audit.record('api_request', { n });
    await audit.flush();
    assert.deepEqual(
      journald.records.map((r) => r.n),
      Array.from({ length: 100 }, (_, n) => n),
    );
    assert.deepEqual(
      file.records.map((r) => r.n),
      Array.from({ length: 100 }, (_, n) => n),
    );
  });

  test("a failing sink's records go to the file sink; the failure is logged and audited, rate-limited", async () => {
    const journald = new MemorySink('journald');
    journald.fail = new Error('ECONNREFUSED');
    const file = new MemorySink('file');
    let now = Date.parse('2026-11-22T10:00:00Z');
    const { audit, logger } = trail([journald], file, { clock: () => new Date(now) });
    audit.record('api_request', { n: 1 });
    audit.record('api_request', { n: 2 });
    await audit.flush();
    now += 61_000;
    audit.record('api_request', { n: 3 });
    await audit.flush();

    const events = file.records.map((r) =>
      r.event === 'api_request' ? `request ${r.n}` : `${r.event} ${r.sink} ${r.suppressed}`,
    );
    assert.deepEqual(
      events.filter((e) => e.startsWith('request')),
      ['request 1', 'request 2', 'request 3'],
    );
    assert.deepEqual(
      events.filter((e) => e.startsWith('audit_sink_failure')),
      ['audit_sink_failure journald 0', 'audit_sink_failure journald 1'],
      'one report per interval, the next one counting what it held back',
    );
    const failure = file.records.find((r) => r.event === 'audit_sink_failure')!;
    assert.equal(failure.error, 'ECONNREFUSED');
    assert.equal(logger.lines.filter((line) => line.level === 'error' && line.fields.sink === 'journald').length, 2);
  });

  test('a record the sink had to cut is also written whole to the file sink', async () => {
    const journald = new MemorySink('journald');
    journald.truncate = true;
    const file = new MemorySink('file');
    const { audit } = trail([journald], file);
    audit.record('job_completed', { job_id: 'big' });
    await audit.flush();
    assert.equal(journald.records.length, 1);
    assert.deepEqual(
      file.records.map((r) => r.job_id),
      ['big'],
    );
  });

  test('when the file sink is one of the sinks, a failing sink does not duplicate records into it', async () => {
    const journald = new MemorySink('journald');
    journald.fail = new Error('down');
    const file = new MemorySink('file');
    const { audit } = trail([journald, file], file);
    audit.record('api_request', { n: 1 });
    await audit.flush();
    assert.deepEqual(
      file.records.filter((r) => r.event === 'api_request').map((r) => r.n),
      [1],
    );
    assert.equal(file.records.filter((r) => r.event === 'audit_sink_failure').length, 1);
  });

  test('a sink that never answers is treated as failed after the write timeout', async () => {
    const journald = new MemorySink('journald');
    journald.hang = true;
    const file = new MemorySink('file');
    const { audit } = trail([journald], file, { writeTimeoutMs: 50 });
    audit.record('api_request', { n: 1 });
    await audit.flush();
    assert.deepEqual(
      file.records.filter((r) => r.event === 'api_request').map((r) => r.n),
      [1],
    );
    assert.match(String(file.records.find((r) => r.event === 'audit_sink_failure')?.error), /no answer/);
  });

  test('a hung sink is skipped for a cooldown, so later records do not each wait out the timeout', async () => {
    const journald = new MemorySink('journald');
    journald.hang = true;
    const file = new MemorySink('file');
    let now = Date.parse('2026-11-22T10:00:00Z');
    const { audit } = trail([journald], file, { writeTimeoutMs: 50, unresponsiveCooldownMs: 30_000, clock: () => new Date(now) });
    for (let n = 0; n < 20; n += 1) audit.record('api_request', { n });
    await audit.flush();
    assert.equal(journald.writes.length, 1, 'only the first record waited for the hung sink');
    assert.deepEqual(
      file.records.filter((r) => r.event === 'api_request').map((r) => r.n),
      Array.from({ length: 20 }, (_, n) => n),
    );
    journald.hang = false;
    now += 31_000;
    audit.record('api_request', { n: 20 });
    await audit.flush();
    assert.equal(journald.writes.length, 2, 'after the cooldown the sink is tried again');
    assert.deepEqual(
      journald.records.map((r) => r.n),
      [20],
    );
  });
});

describe('recordDurable()', () => {
  test('asks the sinks for a durable write and resolves once one has it', async () => {
    const file = new MemorySink('file');
    const { audit } = trail([file], file);
    await audit.recordDurable('job_intent', { job_id: 'j-1' });
    assert.deepEqual(
      file.writes.map((w) => [w.record.job_id, w.durable]),
      [['j-1', true]],
    );
    assert.equal(file.records.length, 1, 'resolved only after the sink took it');
  });

  test('resolves through the file sink when the primary sink fails', async () => {
    const journald = new MemorySink('journald');
    journald.fail = new Error('no socket');
    const file = new MemorySink('file');
    const { audit } = trail([journald], file);
    await audit.recordDurable('job_intent', { job_id: 'j-2' });
    assert.ok(file.writes.some((w) => w.record.job_id === 'j-2' && w.durable));
  });

  test('resolves when one of two sinks fails, without waiting for the failure', async () => {
    const journald = new MemorySink('journald');
    const file = new MemorySink('file');
    file.fail = new Error('ENOSPC');
    const { audit } = trail([journald, file], file);
    await audit.recordDurable('job_intent', { job_id: 'j-3' });
    assert.deepEqual(
      journald.records.map((r) => r.job_id),
      ['j-3'],
    );
  });

  test('rejects with LPA_ERR_AUDIT_UNAVAILABLE when no sink can take it', async () => {
    const journald = new MemorySink('journald');
    journald.fail = new Error('no socket');
    const file = new MemorySink('file');
    file.fail = Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    const { audit } = trail([journald], file);
    await assert.rejects(audit.recordDurable('job_intent', { job_id: 'j-4' }), (error) => {
      assert.ok(isLpaError(error, 'LPA_ERR_AUDIT_UNAVAILABLE'));
      assert.equal(error.status, 503);
      assert.equal(error.apiCode, 'AUDIT_UNAVAILABLE');
      return true;
    });
  });

  test('rejects when there is no sink at all', async () => {
    const { audit } = trail([], null);
    await assert.rejects(audit.recordDurable('job_intent', {}), (error) => isLpaError(error, 'LPA_ERR_AUDIT_UNAVAILABLE'));
  });
});

test('close() flushes, closes every sink once, and refuses durable records afterwards', async () => {
  const journald = new MemorySink('journald');
  const file = new MemorySink('file');
  const { audit } = trail([journald, file], file);
  audit.record('agent_stop', {});
  await audit.close();
  assert.equal(file.records.length, 1);
  assert.ok(journald.closed && file.closed);
  await assert.rejects(audit.recordDurable('job_intent', {}), (error) => isLpaError(error, 'LPA_ERR_AUDIT_UNAVAILABLE'));
});
