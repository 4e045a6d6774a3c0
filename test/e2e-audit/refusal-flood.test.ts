import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, it } from 'node:test';
import { probeTls } from '../support/tls-client.js';
import { type AuditAgent, type AuditLine, startAuditAgent } from './support.js';

// A flood of refused connections costs a bounded number of audit records: the first refusal of a
// peer address and reason is written at once, the rest of the window is one summary with a count.

const DENIED = 2000;
const UNCERTIFIED = 100;
const WINDOW_MS = 60_000;

let agent: AuditAgent;
before(async () => {
  agent = await startAuditAgent({ sinks: ['file'] });
});
after(() => agent?.dispose());

/** Opens `count` TCP connections from `localAddress`, `parallel` at a time, each until the agent closes it. */
async function flood(port: number, localAddress: string, count: number, parallel = 50): Promise<void> {
  let started = 0;
  const worker = async () => {
    while (started < count) {
      started += 1;
      await new Promise<void>((resolve) => {
        const socket = connect({ host: '127.0.0.1', port, localAddress });
        socket.on('error', () => resolve());
        socket.on('close', () => resolve());
      });
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

function refusalsOf(records: AuditLine[], event: string, ip: string, reason: string): AuditLine[] {
  return records.filter((r) => r.event === event && r.ip === ip && r.reason === reason);
}

it('2,000 connects from a denied peer and 100 handshakes without a certificate cost a few records, counted', async () => {
  await agent.waitForRecord('agent_start');
  const port = agent.process.port;
  const startedAt = Date.now();
  await flood(port, '127.0.0.2', DENIED);
  for (let i = 0; i < UNCERTIFIED; i += 1) {
    assert.equal((await probeTls({ port, ca: agent.pki.ca.certPem })).httpBytes, 0);
  }
  // Windows that may have closed while the flood ran, each adding one summary at most.
  const windows = Math.ceil((Date.now() - startedAt) / WINDOW_MS);
  assert.equal(await agent.stop('SIGTERM'), 0);
  const records = await agent.auditRecords();

  const denied = refusalsOf(records, 'ip_denied', '127.0.0.2', 'not_allowed');
  assert.ok(denied.length >= 2 && denied.length <= 1 + windows, `${denied.length} ip_denied records`);
  assert.equal(denied[0]?.summary, undefined, 'the first refusal is written at once, in full');
  assert.equal(typeof denied[0]?.port, 'number');
  assert.equal(
    denied.reduce((sum, r) => sum + (r.summary === true ? r.count : 1), 0),
    DENIED,
  );

  const uncertified = refusalsOf(records, 'auth_failure', '127.0.0.1', 'no_certificate');
  assert.ok(uncertified.length >= 2 && uncertified.length <= 1 + windows, `${uncertified.length} auth_failure records`);
  assert.equal(
    uncertified.reduce((sum, r) => sum + (r.summary === true ? r.count : 1), 0),
    UNCERTIFIED,
  );
  const bytes = records.filter((r) => r.event === 'ip_denied' || r.event === 'auth_failure').map((r) => JSON.stringify(r).length);
  console.log(`refusal records: ${bytes.length}, ${bytes.reduce((a, b) => a + b, 0)} bytes for ${DENIED + UNCERTIFIED} refusals`);
});
