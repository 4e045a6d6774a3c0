import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAuditTrail } from '../../src/audit/fan-out.js';
import { ReopenableAuditTrail } from '../../src/audit/reopenable-trail.js';
import { capturingLogger, MemorySink } from './support.js';

const agent = { hostname: 'h', version: '1.0.0' };

function fanOut(sink: MemorySink) {
  return createAuditTrail({ sinks: [sink], fallback: sink, agent, logger: capturingLogger() });
}

test('records made while the sinks are replaced are held, keep their time and order, and reach only the new sinks', async () => {
  const oldSink = new MemorySink('file');
  const newSink = new MemorySink('file');
  const trail = new ReopenableAuditTrail(fanOut(oldSink), capturingLogger());
  trail.record('api_request', { n: 0 });
  let oldClosedWhenNewOpened: boolean | null = null;
  let releaseOpen!: () => void;
  const opening = new Promise<void>((resolve) => {
    releaseOpen = resolve;
  });
  const switched = trail.reopen(
    async () => {
      oldClosedWhenNewOpened = oldSink.closed;
      await opening;
      return fanOut(newSink);
    },
    async () => assert.fail('the new settings open'),
  );
  trail.record('api_request', { n: 1 });
  const heldAt = new Date();
  trail.record('api_request', { n: 2 });
  const durable = trail.recordDurable('job_intent', { job_id: 'j' });
  releaseOpen();
  assert.equal(await switched, true);
  await durable;
  await trail.flush();

  assert.equal(oldClosedWhenNewOpened, true, 'the old sinks were closed before the new ones opened');
  assert.deepEqual(
    oldSink.records.map((r) => r.n),
    [0],
  );
  assert.deepEqual(
    newSink.records.map((r) => r.n ?? r.job_id),
    [1, 2, 'j'],
  );
  assert.ok(Date.parse(newSink.records[1]!.timestamp) <= heldAt.getTime() + 5, 'a held record keeps the time it was made');
});

test('when the new settings cannot be opened, the previous ones are opened again and records keep flowing', async () => {
  const first = new MemorySink('file');
  const again = new MemorySink('file');
  const logger = capturingLogger();
  const trail = new ReopenableAuditTrail(fanOut(first), logger);
  const applied = await trail.reopen(
    async () => {
      throw new Error('audit.sinks names "journal", which no loaded plugin provides');
    },
    async () => fanOut(again),
  );
  assert.equal(applied, false);
  trail.record('api_request', { n: 1 });
  await trail.recordDurable('job_intent', { job_id: 'j' });
  await trail.flush();
  assert.deepEqual(
    again.records.map((r) => r.n ?? r.job_id),
    [1, 'j'],
  );
  assert.ok(logger.lines.some((line) => line.level === 'error'));
});
