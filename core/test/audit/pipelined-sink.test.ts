import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAuditTrail } from '../../src/audit/fan-out.js';
import type { AuditRecord, AuditWriteOptions, AuditWriteResult } from '../../src/contracts/audit.js';
import { capturingLogger, MemorySink } from './support.js';

const agent = { hostname: 'host-1', version: '1.2.3' };

/** A memory sink that says it keeps the order of overlapping writes itself. */
class PipelinedSink extends MemorySink {
  readonly pipelinesWrites = true;
}

test('a sink that pipelines its writes gets every record at once, in order; any other sink one write at a time', async () => {
  const pipelined = new PipelinedSink('file');
  const plain = new MemorySink('journald');
  pipelined.hold();
  plain.hold();
  const audit = createAuditTrail({ sinks: [plain, pipelined], fallback: pipelined, agent, logger: capturingLogger() });
  for (let n = 0; n < 5; n += 1) audit.record('api_request', { n });
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(
    pipelined.writes.map((write) => write.record.n),
    [0, 1, 2, 3, 4],
    'handed over before any write resolved',
  );
  assert.deepEqual(
    plain.writes.map((write) => write.record.n),
    [0],
    'the next record waits for the previous write',
  );
  pipelined.open();
  plain.open();
  await audit.flush();
  assert.deepEqual(
    plain.records.map((record) => record.n),
    [0, 1, 2, 3, 4],
  );
  assert.equal(pipelined.records.length, 5);
});

test('a durable record through a pipelining sink still resolves only when the sink has it', async () => {
  const pipelined = new PipelinedSink('file');
  pipelined.hold();
  const audit = createAuditTrail({ sinks: [pipelined], fallback: pipelined, agent, logger: capturingLogger() });
  audit.record('api_request', { n: 0 });
  let resolved = false;
  const durable = audit.recordDurable('job_intent', { n: 1 }).then(() => {
    resolved = true;
  });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(resolved, false, 'not resolved while the sink holds the write');
  assert.deepEqual(
    pipelined.writes.map((write) => [write.record.n, write.durable]),
    [
      [0, false],
      [1, true],
    ],
  );
  pipelined.open();
  await durable;
  assert.equal(resolved, true);
});

test('records a pipelining sink never answers all go to the fallback after the write timeout', async () => {
  const journald = new PipelinedSink('journald');
  journald.hang = true;
  const file = new MemorySink('file');
  const audit = createAuditTrail({ sinks: [journald], fallback: file, agent, logger: capturingLogger(), writeTimeoutMs: 50 });
  for (let n = 0; n < 5; n += 1) audit.record('api_request', { n });
  await audit.flush();
  assert.equal(journald.writes.length, 5, 'every record was handed over at once');
  assert.deepEqual(
    file.records.filter((r) => r.event === 'api_request').map((r) => r.n),
    [0, 1, 2, 3, 4],
  );
  assert.match(String(file.records.find((r) => r.event === 'audit_sink_failure')?.error), /no answer within 50 ms/);
});

test('only the write left unanswered times out: the watchdog moves on to the oldest write still open', async () => {
  /** Answers every write at once, except the ones whose record says `stuck`. */
  class SelectiveSink extends PipelinedSink {
    override async write(record: AuditRecord, options: AuditWriteOptions): Promise<AuditWriteResult> {
      if (record.stuck === true) {
        this.writes.push({ record, durable: options.durable });
        return new Promise(() => {});
      }
      return super.write(record, options);
    }
  }
  const journald = new SelectiveSink('journald');
  const file = new MemorySink('file');
  const audit = createAuditTrail({ sinks: [journald], fallback: file, agent, logger: capturingLogger(), writeTimeoutMs: 80 });
  audit.record('api_request', { n: 0 });
  await new Promise((resolve) => setTimeout(resolve, 50));
  audit.record('api_request', { n: 1, stuck: true });
  audit.record('api_request', { n: 2 });
  await audit.flush();
  assert.deepEqual(
    journald.records.map((r) => r.n),
    [0, 2],
  );
  assert.deepEqual(
    file.records.filter((r) => r.event === 'api_request').map((r) => r.n),
    [1],
    'only the unanswered record went to the fallback, and only once it was overdue itself',
  );
});
