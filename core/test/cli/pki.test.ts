/**
 * `linux-patch-api pki`: the CA, server and client certificates it makes are what the agent
 * accepts. A real agent started on them answers a client certificate of the longest lifetime the
 * agent allows; the command refuses longer lifetimes and never overwrites a file.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { freePort, REPO_ROOT, runCli, spawnAgentProcess, writeAgentConfig } from '../../../test/support/agent.js';
import { mtlsRequest } from '../../../test/support/tls-client.js';
import { CLIENT_AUTH_EKU } from '../../src/http/tls/client-policy.js';

const DAY_MS = 24 * 60 * 60 * 1000;
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lpa-pki-'));
  for (const args of [
    ['ca', '--name', 'Example Ops CA'],
    ['server', '--host', 'localhost,127.0.0.1', '--host', '::1'],
    ['client', '--cn', 'ops-alice', '--days', '366'],
  ]) {
    const result = await runCli(['pki', ...args, '--dir', dir]);
    assert.equal(result.code, 0, `pki ${args.join(' ')}: ${result.stderr}`);
  }
});
after(() => rm(dir, { recursive: true, force: true }));

test('the client certificate carries clientAuth and lasts at most 366 days; keys are 0600', async () => {
  const client = new X509Certificate(await readFile(join(dir, 'ops-alice.pem')));
  assert.ok(client.keyUsage?.includes(CLIENT_AUTH_EKU), String(client.keyUsage));
  const lifetime = Date.parse(client.validTo) - Date.parse(client.validFrom);
  assert.ok(lifetime <= 366 * DAY_MS && lifetime > 365 * DAY_MS, `${client.validFrom} → ${client.validTo}`);
  assert.ok(client.checkIssued(new X509Certificate(await readFile(join(dir, 'ca.pem')))));
  assert.match(client.subject, /CN=ops-alice/);
  for (const key of ['ca.key', 'server.key', 'ops-alice.key'])
    assert.equal((await stat(join(dir, key))).mode & 0o777, 0o600, key);
  // OpenSSL agrees on the purposes.
  const verify = (purpose: string, file: string) =>
    promisify(execFile)('openssl', ['verify', '-CAfile', join(dir, 'ca.pem'), '-purpose', purpose, join(dir, file)]);
  assert.match((await verify('sslclient', 'ops-alice.pem')).stdout, /: OK/);
  assert.match((await verify('sslserver', 'server.pem')).stdout, /: OK/);
});

test('a real agent started on the made CA and server certificate accepts the made client certificate', async () => {
  const agentDir = await mkdtemp(join(dir, 'agent-'));
  const { configPath } = await writeAgentConfig(agentDir, {
    port: await freePort(),
    config: {
      tls: { ca: join(dir, 'ca.pem'), cert: join(dir, 'server.pem'), key: join(dir, 'server.key'), max_client_cert_days: 366 },
      plugins: [join(REPO_ROOT, 'test/support/fake-package-manager/plugin.ts')],
      backend: { name: 'fake', root: agentDir },
    },
  });
  const checked = await runCli(['check-config', '--config', configPath]);
  assert.equal(checked.code, 0, checked.stderr);
  const agent = await spawnAgentProcess({ configPath });
  try {
    const response = await mtlsRequest({
      port: agent.port,
      ca: await readFile(join(dir, 'ca.pem'), 'utf8'),
      cert: await readFile(join(dir, 'ops-alice.pem'), 'utf8'),
      key: await readFile(join(dir, 'ops-alice.key'), 'utf8'),
      path: '/system/info',
    });
    assert.equal(response.status, 200, response.text);
    assert.equal(response.json.success, true);
  } finally {
    assert.equal(await agent.stop('SIGTERM'), 0, agent.stderr());
  }
});

test('refuses a lifetime over 366 days (exit 2), an existing file (exit 1, unchanged) and a missing CA (exit 1)', async () => {
  const tooLong = await runCli(['pki', 'client', '--dir', dir, '--cn', 'ops-bob', '--days', '367']);
  assert.equal(tooLong.code, 2);
  assert.match(tooLong.stderr, /--days must be a whole number from 1 to 366/);

  const before = await readFile(join(dir, 'ops-alice.pem'), 'utf8');
  const again = await runCli(['pki', 'client', '--dir', dir, '--cn', 'ops-alice']);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /exists; nothing was overwritten/);
  assert.equal(await readFile(join(dir, 'ops-alice.pem'), 'utf8'), before);

  const empty = await mkdtemp(join(dir, 'no-ca-'));
  const noCa = await runCli(['pki', 'server', '--dir', empty, '--host', 'localhost']);
  assert.equal(noCa.code, 1);
  assert.match(noCa.stderr, /no CA in .*pki ca --dir/);

  const badName = await runCli(['pki', 'client', '--dir', dir, '--cn', '../escape']);
  assert.equal(badName.code, 2);
});
