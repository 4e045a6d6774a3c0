import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { stringify } from 'yaml';
import { baseConfig, REPO_ROOT, startTestAgent, type TestAgent } from '../../../test/support/agent.js';
import { daysFromNow, type IssuedCertificate } from '../../../test/support/pki.js';
import { probeTls } from '../../../test/support/tls-client.js';
import { waitFor } from '../../../test/support/wait.js';

// CRLs made by `openssl ca -gencrl` with an explicit nextUpdate. A CRL past its nextUpdate is the
// named condition `crl_expired`: the agent keeps serving, keeps enforcing that CRL's revocations,
// reports itself degraded, and never swaps a stale CRL in over a fresh one.

let t: TestAgent;
let victim: IssuedCertificate;
let staleCrl: string;
let freshCrl: string;

let nextPeer = 10;
before(async () => {
  // Each probe of the revoked client comes from a loopback address of its own: refusals are
  // aggregated per peer address and reason, and each probe here reads its own record.
  t = await startTestAgent({ allowed: ['127.0.0.0/8'] });
  victim = await t.pki.ca.issueClient({ cn: 'lost-laptop' });
  staleCrl = t.pki.ca.opensslCrl([victim], { lastUpdate: daysFromNow(-40), nextUpdate: daysFromNow(-10) });
  freshCrl = t.pki.ca.opensslCrl([victim], { lastUpdate: daysFromNow(-1), nextUpdate: daysFromNow(7) });
});
after(() => t.stop());

async function replaceFile(path: string, content: string): Promise<void> {
  await writeFile(`${path}.tmp`, content);
  await rename(`${path}.tmp`, path);
}

function certReloads(accepted: boolean) {
  return t.audit.records.filter((r) => r.event === 'cert_reload' && r.accepted === accepted);
}

async function victimIsRefused(): Promise<Record<string, unknown>> {
  const peer = `127.0.0.${nextPeer++}`;
  const probe = await probeTls({
    port: t.port,
    ca: t.pki.ca.certPem,
    cert: victim.certPem,
    key: victim.keyPem,
    localAddress: peer,
  });
  assert.equal(probe.httpBytes, 0, 'the revoked certificate got HTTP bytes');
  return waitFor(
    () =>
      t.audit.records.find((r) => r.event === 'auth_failure' && r.ip === peer && r.cert_fingerprint === victim.fingerprint256),
    { what: 'the refusal of the revoked client' },
  );
}

test('a stale CRL: clients are served, its revocations hold, /health is degraded and says why', async () => {
  await writeFile(join(t.dir, 'crl.pem'), staleCrl);
  const accepted = certReloads(true).length;
  await t.writeConfig({ tls: { crl: 'crl.pem' } });
  await waitFor(() => certReloads(true).length > accepted, { what: 'the stale CRL to be loaded' });
  assert.match(String(certReloads(true).at(-1)?.condition), /^crl_expired: /);

  const health = await t.request('/health');
  assert.equal(health.status, 200, 'a valid client is locked out by a stale CRL');
  assert.equal(health.json.data.status, 'degraded');
  assert.ok(
    health.json.data.reasons.some((reason: string) => /^crl_expired: .*past its nextUpdate/.test(reason)),
    JSON.stringify(health.json.data),
  );
  const refusal = await victimIsRefused();
  assert.equal(refusal.reason, 'revoked');
  assert.match(String(refusal.crl_condition), /^crl_expired: /);
});

test('a fresh CRL clears the condition; a stale one written over it is refused and the fresh one stays', async () => {
  const accepted = certReloads(true).length;
  await replaceFile(join(t.dir, 'crl.pem'), freshCrl);
  await waitFor(() => certReloads(true).length > accepted, { what: 'the fresh CRL' });
  assert.equal(certReloads(true).at(-1)?.condition, undefined);
  assert.equal((await t.request('/health')).json.data.status, 'healthy');

  const refused = certReloads(false).length;
  await replaceFile(join(t.dir, 'crl.pem'), staleCrl);
  await waitFor(() => certReloads(false).length > refused, { what: 'the stale CRL to be refused' });
  assert.match(String(certReloads(false).at(-1)?.reason), /the new CRL is past its nextUpdate .* the CRL in force .* stays/);
  assert.equal((await t.request('/health')).json.data.status, 'healthy');
  assert.equal((await victimIsRefused()).reason, 'revoked');

  // The same through the config: pointing tls.crl at a stale file is refused as a whole.
  await writeFile(join(t.dir, 'stale.pem'), staleCrl);
  const configRefusals = () => t.audit.records.filter((r) => r.event === 'config_reload' && r.accepted === false).length;
  const before = configRefusals();
  await t.writeConfig({ tls: { crl: 'stale.pem' } });
  await waitFor(() => configRefusals() > before, { what: 'the refused config' });
  assert.match(
    String(t.audit.records.filter((r) => r.event === 'config_reload').at(-1)?.reason),
    /^tls\.crl: the new CRL is past/,
  );
  assert.equal(t.agent.services.getConfig().tls.crl, join(t.dir, 'crl.pem'));
});

test('check-config reports a stale CRL by name and exits 1', async () => {
  const configPath = join(t.dir, 'stale-config.yaml');
  await writeFile(configPath, stringify({ ...baseConfig(), tls: { ...(baseConfig().tls as object), crl: 'stale.pem' } }));
  const result = spawnSync(
    process.execPath,
    ['--conditions=lpa-source', '--import', 'tsx', join(REPO_ROOT, 'core/src/cli.ts'), 'check-config', '--config', configPath],
    { cwd: REPO_ROOT, encoding: 'utf8' },
  );
  assert.equal(result.status, 1, result.stdout);
  assert.match(result.stderr, /tls\.crl: crl_expired: the CRL .*stale\.pem is past its nextUpdate/);
});
