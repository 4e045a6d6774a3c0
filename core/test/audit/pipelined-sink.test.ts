import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAuditTrail } from '../../src/audit/fan-out.js';
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
