import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { captureLogger, createTestPki, type TestPki } from '../../../test/support/agent.js';
import { mtlsRequest } from '../../../test/support/tls-client.js';
import { waitFor } from '../../../test/support/wait.js';
import { MemoryAuditTrail } from '../../src/audit/trail.js';
import { AllowList } from '../../src/http/allow-list.js';
import { SecureServer } from '../../src/http/server.js';
import { loadTlsMaterial } from '../../src/http/tls/material.js';

// close(graceMs) bounds a stop: requests still unanswered after the grace period are cut off,
// however long the HTTP layer would otherwise let them run.
let dir: string;
let pki: TestPki;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lpa-server-close-'));
  pki = await createTestPki(dir);
});
after(() => rm(dir, { recursive: true, force: true }));

test('close() ends a request that never answers once the grace period is over', { timeout: 30_000 }, async () => {
  let arrived = 0;
  const server = new SecureServer({
    // Never answers: only the server's own requestTimeout (a minute here) would end it.
    handler: () => {
      arrived += 1;
    },
    material: await loadTlsMaterial({ ...pki.files, crl: null }),
    allowList: new AllowList(['127.0.0.1']),
    maxClientCertDays: 366,
    requestTimeoutMs: 60_000,
    headersTimeoutMs: 20_000,
    logger: captureLogger([]),
    audit: () => new MemoryAuditTrail(),
  });
  await server.listen('127.0.0.1', 0);
  const pending = mtlsRequest({
    port: server.address().port,
    ca: pki.ca.certPem,
    cert: pki.client.certPem,
    key: pki.client.keyPem,
    path: '/hangs',
    timeoutMs: 60_000,
  });
  await waitFor(() => arrived === 1, { timeoutMs: 10_000 });
  assert.equal(server.connectionCount(), 1);

  await server.close(200);

  assert.equal(server.connectionCount(), 0);
  await assert.rejects(pending, /socket hang up|ECONNRESET/);
});
