import assert from 'node:assert/strict';
import type { TestAgent } from '../../../test/support/agent.js';
import { daysFromNow, type IssuedCertificate, TestCa } from '../../../test/support/pki.js';
import { probeTls } from '../../../test/support/tls-client.js';

/** A client that must get no HTTP byte from the agent, and why. */
export interface RefusalCase {
  name: string;
  cert?: IssuedCertificate;
  maxVersion?: 'TLSv1.2';
}

/** Every kind of client the agent must refuse, made from the agent's own CA (and one other CA). */
export async function refusalCases(t: TestAgent): Promise<RefusalCase[]> {
  const otherCa = await TestCa.create({ name: 'some other CA' });
  return [
    { name: 'no client certificate' },
    { name: 'a certificate from another CA', cert: await otherCa.issueClient({ cn: 'test-admin' }) },
    {
      name: 'an expired certificate',
      cert: await t.pki.ca.issueClient({ notBefore: daysFromNow(-30), notAfter: daysFromNow(-1) }),
    },
    {
      name: 'a certificate not valid yet',
      cert: await t.pki.ca.issueClient({ notBefore: daysFromNow(2), notAfter: daysFromNow(20) }),
    },
    {
      name: 'a certificate valid for more than 366 days',
      cert: await t.pki.ca.issueClient({ notBefore: daysFromNow(-1), notAfter: daysFromNow(400) }),
    },
    { name: 'a certificate without any extended key usage', cert: await t.pki.ca.issueClient({ extendedKeyUsages: null }) },
    {
      name: 'a certificate for servers only (serverAuth EKU)',
      cert: await t.pki.ca.issueClient({ extendedKeyUsages: ['1.3.6.1.5.5.7.3.1'] }),
    },
    { name: 'a TLS 1.2-only client with a valid certificate', cert: t.pki.client, maxVersion: 'TLSv1.2' },
  ];
}

/** Asserts that each case receives zero HTTP bytes, and that a valid client still gets an answer. */
export async function assertAllRefused(t: TestAgent, cases: readonly RefusalCase[], context: string): Promise<void> {
  for (const refusal of cases) {
    const probe = await probeTls({
      port: t.agent.address().port,
      ca: t.pki.ca.certPem,
      ...(refusal.cert === undefined ? {} : { cert: refusal.cert.certPem, key: refusal.cert.keyPem }),
      ...(refusal.maxVersion === undefined ? {} : { maxVersion: refusal.maxVersion }),
    });
    assert.equal(probe.httpBytes, 0, `${context}: ${refusal.name} received ${probe.httpBytes} HTTP bytes`);
  }
  const control = await probeTls({
    port: t.agent.address().port,
    ca: t.pki.ca.certPem,
    cert: t.pki.client.certPem,
    key: t.pki.client.keyPem,
  });
  assert.ok(control.httpBytes > 0, `${context}: the valid client got no answer (the refusals above prove nothing)`);
}
