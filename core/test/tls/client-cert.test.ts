import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { startTestAgent, type TestAgent } from '../../../test/support/agent.js';
import { daysFromNow, TestCa } from '../../../test/support/pki.js';
import { probeTls } from '../../../test/support/tls-client.js';
import { assertAllRefused, refusalCases } from './refusal-cases.js';

let t: TestAgent;
// Refusals are aggregated per peer address and reason (the first one is recorded at once), so each
// test that reads a refusal's own record connects from a loopback address of its own.
before(async () => {
  t = await startTestAgent({ allowed: ['127.0.0.0/8', '::1'] });
});
after(() => t.stop());

function probe(
  cert?: { certPem: string; keyPem: string },
  extra: Parameters<typeof probeTls>[0] extends infer O ? Partial<O> : never = {},
) {
  return probeTls({
    port: t.port,
    ca: t.pki.ca.certPem,
    ...(cert === undefined ? {} : { cert: cert.certPem, key: cert.keyPem }),
    ...extra,
  });
}

describe('client certificates', () => {
  test('a valid client certificate from the configured CA gets an answer over TLS 1.3', async () => {
    const res = await t.request('/health');
    assert.equal(res.status, 200);
    assert.equal(res.json.success, true);
  });

  test('no HTTP byte reaches: no cert, other CA, expired, not yet valid, > 366 days, no clientAuth EKU, TLS 1.2', async () => {
    await assertAllRefused(t, await refusalCases(t), 'at start');
  });

  test('a refused certificate is audited as auth_failure with its fingerprint', async () => {
    const noEku = await t.pki.ca.issueClient({ extendedKeyUsages: null });
    assert.equal((await probe(noEku, { localAddress: '127.0.0.11' })).httpBytes, 0);
    const record = await t.waitForAudit('auth_failure', (r) => r.cert_fingerprint === noEku.fingerprint256);
    assert.equal(record.reason, 'missing_client_auth_eku');
    assert.equal(record.ip, '127.0.0.11');
    const tooLong = await t.pki.ca.issueClient({ notBefore: daysFromNow(-1), notAfter: daysFromNow(400) });
    assert.equal((await probe(tooLong, { localAddress: '127.0.0.12' })).httpBytes, 0);
    assert.equal(
      (await t.waitForAudit('auth_failure', (r) => r.cert_fingerprint === tooLong.fingerprint256)).reason,
      'validity_too_long',
    );
  });

  test('a connection without a certificate is audited as auth_failure', async () => {
    const before = t.audit.records.filter((r) => r.event === 'auth_failure').length;
    assert.equal((await probe(undefined, { localAddress: '127.0.0.13' })).httpBytes, 0);
    await t.waitForAudit('auth_failure', () => t.audit.records.filter((r) => r.event === 'auth_failure').length > before);
  });

  test('a certificate refused during the handshake (another CA) is audited with the peer address', async () => {
    const stranger = await (await TestCa.create({ name: 'Other CA' })).issueClient({ cn: 'eve' });
    const failures = () => t.audit.records.filter((r) => r.event === 'auth_failure');
    const before = failures().length;
    assert.equal((await probe(stranger, { localAddress: '127.0.0.14' })).httpBytes, 0);
    await t.waitForAudit('auth_failure', () => failures().length > before);
    const record = failures()[before];
    assert.equal(record?.ip, '127.0.0.14');
    assert.equal(record?.reason, 'unknown_ca');
  });

  test('each refusal is audited with the verification error by name, never a connection reset', async () => {
    const otherCa = await TestCa.create({ name: 'Foreign CA' });
    const expectations: Array<[string, { certPem: string; keyPem: string; fingerprint256: string }]> = [
      ['unknown_ca', await otherCa.issueClient({ cn: 'eve' })],
      ['expired', await t.pki.ca.issueClient({ notBefore: daysFromNow(-30), notAfter: daysFromNow(-1) })],
      ['not_yet_valid', await t.pki.ca.issueClient({ notBefore: daysFromNow(2), notAfter: daysFromNow(20) })],
      ['missing_client_auth_eku', await t.pki.ca.issueClient({ extendedKeyUsages: ['1.3.6.1.5.5.7.3.1'] })],
      ['validity_too_long', await t.pki.ca.issueClient({ notBefore: daysFromNow(-1), notAfter: daysFromNow(400) })],
    ];
    for (const [index, [reason, cert]] of expectations.entries()) {
      const peer = `127.0.0.${20 + index}`;
      assert.equal((await probe(cert, { localAddress: peer })).httpBytes, 0, reason);
      const record = await t.waitForAudit('auth_failure', (r) => r.cert_fingerprint === cert.fingerprint256);
      assert.equal(record.reason, reason);
      assert.equal(record.ip, peer);
    }
    assert.equal((await probe(undefined, { localAddress: '127.0.0.30' })).httpBytes, 0);
    const anonymous = await t.waitForAudit('auth_failure', (r) => r.ip === '127.0.0.30');
    assert.equal(anonymous.reason, 'no_certificate');
  });

  test('exactly 366 days of validity is accepted (the limit is inclusive)', async () => {
    const notBefore = daysFromNow(-1);
    const cert = await t.pki.ca.issueClient({ notBefore, notAfter: new Date(notBefore.getTime() + 366 * 86_400_000) });
    assert.ok((await probe(cert)).httpBytes > 0);
  });

  test('auth_success is audited once per connection with the identity', async () => {
    const client = await t.pki.ca.issueClient({ cn: 'ops-laptop' });
    const res = await t.request('/health', { cert: client.certPem, key: client.keyPem });
    assert.equal(res.status, 200);
    const success = await t.waitForAudit('auth_success', (r) => r.client_fingerprint === client.fingerprint256);
    assert.equal(success.client_cn, 'ops-laptop');
    assert.equal(success.client_serial, client.serial);
    assert.equal(
      t.audit.records.filter((r) => r.event === 'auth_success' && r.client_fingerprint === client.fingerprint256).length,
      1,
    );
  });
});

describe('identity comes from the TLS layer only', () => {
  test('X-Client-Cert and X-Forwarded-Client-Cert from a client without a certificate get nothing', async () => {
    const spoof = encodeURIComponent(t.pki.client.certPem);
    const res = await probe(undefined, {
      headers: {
        'X-Client-Cert': spoof,
        'X-Forwarded-Client-Cert': `Hash=${t.pki.client.fingerprint256};Cert="${spoof}"`,
        'X-SSL-Client-Verify': 'SUCCESS',
      },
    });
    assert.equal(res.httpBytes, 0);
  });

  test('identity headers from a certified client do not change who it is', async () => {
    const other = await t.pki.ca.issueClient({ cn: 'someone-else' });
    const res = await t.request('/health', {
      headers: {
        'X-Client-Cert': encodeURIComponent(other.certPem),
        'X-Forwarded-Client-Cert': `Hash=${other.fingerprint256};Subject="CN=someone-else"`,
        'X-Forwarded-For': '10.9.8.7',
      },
    });
    assert.equal(res.status, 200);
    const record = await t.waitForAudit('api_request', (r) => r.request_id === res.json.request_id);
    assert.equal(record.client_cn, 'test-admin');
    assert.equal(record.client_fingerprint, t.pki.client.fingerprint256);
    assert.equal(record.ip, '127.0.0.1');
  });
});

describe('TLS parameters', () => {
  test('the server speaks TLS 1.3 with the configured server certificate', async () => {
    const res = await t.request('/health');
    assert.equal(res.peerCertificate.fingerprint256, new X509Certificate(t.pki.server.certPem).fingerprint256);
  });

  test('a TLS 1.2-only client cannot even complete a handshake', async () => {
    const res = await probe(t.pki.client, { maxVersion: 'TLSv1.2' });
    assert.equal(res.handshakeCompleted, false);
    assert.equal(res.httpBytes, 0);
  });

  test('a client trusting only the public CA list does not trust the agent (the CA is the configured one)', async () => {
    const otherCa = await TestCa.create();
    const res = await probeTls({ port: t.port, ca: otherCa.certPem, cert: t.pki.client.certPem, key: t.pki.client.keyPem });
    assert.equal(res.handshakeCompleted, false);
  });

  test('sessions are never resumed: every connection is a full handshake with certificate checks', async () => {
    const first = await probe(t.pki.client);
    assert.ok(first.httpBytes > 0);
    assert.notEqual(first.session, null, 'the client saw no session to try resuming');
    if (first.session !== null) {
      const second = await probe(t.pki.client, { session: first.session });
      assert.equal(second.sessionReused, false, 'the server resumed a TLS session');
      assert.ok(second.httpBytes > 0);
      const stolen = await probe(undefined, { session: first.session });
      assert.equal(stolen.sessionReused, false);
      assert.equal(stolen.httpBytes, 0, 'a saved session let a client without a certificate in');
    }
  });
});
