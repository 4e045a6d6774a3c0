import assert from 'node:assert/strict';
import { once } from 'node:events';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import WebSocket, { type ClientOptions } from 'ws';
import { startTestAgent } from '../../../test/support/agent.js';
import { type RouteAgent, startRouteAgent } from '../routes/route-agent.js';

let a: RouteAgent;
before(async () => {
  a = await startRouteAgent();
});
after(() => a.stop());

async function replace(path: string, content: string): Promise<void> {
  await writeFile(`${path}.tmp`, content);
  await rename(`${path}.tmp`, path);
}

test('the job stream of a client whose certificate a new CRL revokes is closed', async () => {
  const victim = await a.t.pki.ca.issueClient({ cn: 'stream-watcher' });
  const crlPath = join(a.t.dir, 'crl.pem');
  await writeFile(crlPath, await a.t.pki.ca.crl([]));
  const reloadsBefore = a.t.audit.records.filter((r) => r.event === 'cert_reload').length;
  await a.t.writeConfig({ tls: { crl: 'crl.pem' } });
  const deadline = Date.now() + 20_000;
  while (a.t.audit.records.filter((r) => r.event === 'cert_reload').length === reloadsBefore) {
    if (Date.now() > deadline) throw new Error('the CRL was not loaded');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }

  const ws = new WebSocket(`wss://127.0.0.1:${a.t.port}/ws/jobs`, {
    ca: a.t.pki.ca.certPem,
    cert: victim.certPem,
    key: victim.keyPem,
    servername: 'localhost',
  } as ClientOptions);
  await once(ws, 'open');
  const closed = once(ws, 'close');
  await replace(crlPath, await a.t.pki.ca.crl([victim]));
  const [code] = (await closed) as [number];
  assert.ok(code === 1006 || code === 1001, `closed (code ${code})`);
  assert.equal((await a.call('GET', '/jobs')).status, 200, 'other clients are unaffected');
});

test('a peer outside the allow-list gets no WebSocket either', async () => {
  const closed = await startTestAgent({ allowed: ['192.0.2.1'] });
  try {
    const ws = new WebSocket(`wss://127.0.0.1:${closed.port}/ws/jobs`, {
      ca: closed.pki.ca.certPem,
      cert: closed.pki.client.certPem,
      key: closed.pki.client.keyPem,
      servername: 'localhost',
    } as ClientOptions);
    let opened = false;
    ws.on('open', () => {
      opened = true;
    });
    await once(ws, 'error');
    assert.equal(opened, false);
    await closed.waitForAudit('ip_denied');
  } finally {
    await closed.stop();
  }
});
