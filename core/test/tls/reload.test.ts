import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect } from 'node:tls';
import { WebSocket } from 'ws';
import { startTestAgent, type TestAgent } from '../../../test/support/agent.js';
import { daysFromNow, TestCa } from '../../../test/support/pki.js';
import { probeTls } from '../../../test/support/tls-client.js';
import { waitFor } from '../../../test/support/wait.js';
import { assertAllRefused, refusalCases } from './refusal-cases.js';

let t: TestAgent;
before(async () => {
  t = await startTestAgent();
});
after(() => t.stop());

function certReloads(accepted: boolean): number {
  return t.audit.records.filter((r) => r.event === 'cert_reload' && r.accepted === accepted).length;
}

async function servedFingerprint(): Promise<string> {
  return (await t.request('/health')).peerCertificate.fingerprint256;
}

/** Writes a file the way deployment tools do: to a temp name, then renamed over the target. */
async function replaceFile(path: string, content: string): Promise<void> {
  const temp = `${path}.tmp-${process.pid}`;
  await writeFile(temp, content);
  await rename(temp, path);
}

async function expectRefusedMaterial(change: () => Promise<void>, reason: RegExp): Promise<void> {
  const served = await servedFingerprint();
  const refused = certReloads(false);
  await change();
  // Files written one after the other may be refused for an intermediate state first (a key that
  // does not match yet); the refusal of this change is the one with its reason.
  await waitFor(
    () =>
      t.audit.records
        .filter((r) => r.event === 'cert_reload' && r.accepted === false)
        .slice(refused)
        .find((r) => reason.test(String(r.reason))),
    { what: 'the refused TLS change' },
  );
  assert.equal(await servedFingerprint(), served, 'the previous certificate is still served');
}

describe('server certificate and key files', () => {
  test('garbage in the certificate file leaves the old certificate served', async () => {
    await expectRefusedMaterial(() => replaceFile(t.pki.files.cert, 'not a certificate\n'), /certificate/);
    await replaceFile(t.pki.files.cert, t.pki.server.certPem);
  });

  test('a key that does not match the certificate leaves the old certificate served', async () => {
    const other = await t.pki.ca.issueServer();
    await expectRefusedMaterial(() => replaceFile(t.pki.files.key, other.keyPem), /does not match/);
    await replaceFile(t.pki.files.key, t.pki.server.keyPem);
  });

  test('an expired server certificate, or one from another CA, is refused', async () => {
    const expired = await t.pki.ca.issueServer({ notBefore: daysFromNow(-20), notAfter: daysFromNow(-1) });
    await expectRefusedMaterial(async () => {
      await writeFile(t.pki.files.key, expired.keyPem);
      await writeFile(t.pki.files.cert, expired.certPem);
    }, /expired/);
    const foreign = await (await TestCa.create()).issueServer();
    await expectRefusedMaterial(async () => {
      await writeFile(t.pki.files.key, foreign.keyPem);
      await writeFile(t.pki.files.cert, foreign.certPem);
    }, /does not chain/);
  });

  test('a valid rotation is served to new connections and audited', async () => {
    const accepted = certReloads(true);
    const rotated = await t.pki.ca.issueServer();
    // Certificate and key are written one after the other; the debounce sees the pair.
    await replaceFile(t.pki.files.key, rotated.keyPem);
    await replaceFile(t.pki.files.cert, rotated.certPem);
    const expected = new X509Certificate(rotated.certPem).fingerprint256;
    await waitFor(async () => (await servedFingerprint()) === expected, { what: 'the rotated certificate' });
    const record = await waitFor(() => t.audit.records.filter((r) => r.event === 'cert_reload' && r.accepted === true)[accepted]);
    assert.equal(record.server_fingerprint, expected);
  });

  test('every client-certificate refusal still holds after a certificate reload (TLS 1.3 only, same CA, no public CAs)', async () => {
    assert.ok(certReloads(true) > 0, 'a reload happened before this check');
    await assertAllRefused(t, await refusalCases(t), 'after a certificate reload');
  });
});

describe('CRL', () => {
  test('a revoked client is refused, and its open connection is closed when the CRL changes', async () => {
    const victim = await t.pki.ca.issueClient({ cn: 'lost-laptop' });
    const crlPath = join(t.dir, 'crl.pem');
    await writeFile(crlPath, await t.pki.ca.crl([]));
    const accepted = certReloads(true);
    await t.writeConfig({ tls: { crl: 'crl.pem' } });
    await waitFor(() => certReloads(true) > accepted, { what: 'the CRL to be loaded' });

    // An open keep-alive connection of the soon-revoked client, proven alive by one answer.
    const socket = connect({
      host: '127.0.0.1',
      port: t.port,
      servername: 'localhost',
      ca: t.pki.ca.certPem,
      cert: victim.certPem,
      key: victim.keyPem,
    });
    let closed = false;
    let answered = 0;
    socket.on('data', (chunk: Buffer) => {
      answered += chunk.length;
    });
    socket.on('close', () => {
      closed = true;
    });
    socket.on('error', () => {});
    await new Promise<void>((resolve) => socket.once('secureConnect', () => resolve()));
    socket.write('GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await waitFor(() => answered > 0, { what: 'the first answer' });
    assert.equal(closed, false);

    // And an open WebSocket of the same client.
    const ws = new WebSocket(`wss://127.0.0.1:${t.port}/ws/jobs`, {
      ca: t.pki.ca.certPem,
      cert: victim.certPem,
      key: victim.keyPem,
    });
    let wsClosed = false;
    ws.on('error', () => {});
    ws.on('close', () => {
      wsClosed = true;
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`WebSocket refused with ${res.statusCode}`)));
    });

    await replaceFile(crlPath, await t.pki.ca.crl([victim]));
    await waitFor(() => closed, { what: 'the revoked client connection to be closed' });
    await waitFor(() => wsClosed, { what: 'the revoked client WebSocket to be closed' });
    const record = await t.waitForAudit('auth_failure', (r) => r.reason === 'revoked' && r.client_serial === victim.serial);
    assert.equal(record.cert_fingerprint, victim.fingerprint256);

    const again = await probeTls({ port: t.port, ca: t.pki.ca.certPem, cert: victim.certPem, key: victim.keyPem });
    assert.equal(again.httpBytes, 0, 'the revoked certificate gets no HTTP byte');
    assert.equal((await t.request('/health')).status, 200, 'other clients are unaffected');
    await assertAllRefused(t, await refusalCases(t), 'after a CRL reload');
  });

  test('a CRL from another CA is refused and the previous CRL stays', async () => {
    const foreignCrl = await (await TestCa.create()).crl([]);
    const revokedBefore = t.agent.tls.current().revokedSerials.size;
    const refused = certReloads(false);
    await replaceFile(join(t.dir, 'crl.pem'), foreignCrl);
    await waitFor(() => certReloads(false) > refused, { what: 'the refused CRL' });
    assert.equal(t.agent.tls.current().revokedSerials.size, revokedBefore);
    assert.ok(revokedBefore > 0);
  });
});
