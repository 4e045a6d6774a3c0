import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  createTestPki,
  freePort,
  REPO_ROOT,
  runCli,
  spawnAgentProcess,
  type TestPki,
  writeAgentConfig,
} from '../../../test/support/agent.js';
import { mtlsRequest } from '../../../test/support/tls-client.js';
import { CORE_VERSION } from '../../src/version.js';

let dir: string;
let pki: TestPki;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lpa-cli-'));
  pki = await createTestPki(dir);
});
after(() => rm(dir, { recursive: true, force: true }));

const cli = runCli;

test('--version prints the core version', async () => {
  const result = await cli(['--version']);
  assert.equal(result.code, 0);
  assert.equal(result.stdout.trim(), CORE_VERSION);
});

test('--help lists the commands', async () => {
  const result = await cli(['--help']);
  assert.equal(result.code, 0);
  for (const command of ['serve', 'check-config', '--config FILE']) assert.ok(result.stdout.includes(command), command);
});

test('an unknown command or option is a usage error (exit 2)', async () => {
  assert.equal((await cli(['frobnicate'])).code, 2);
  const badOption = await cli(['check-config', '--confg', 'x']);
  assert.equal(badOption.code, 2);
  assert.match(badOption.stderr, /confg/);
});

test('check-config: 0 for a valid config', async () => {
  const { configPath } = await writeAgentConfig(dir, { port: 12443 });
  const result = await cli(['check-config', '--config', configPath]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /valid/);
});

test('check-config: non-zero with the reason for an unknown key, bad YAML, or unusable TLS files', async () => {
  const sub = await mkdtemp(join(dir, 'bad-'));
  await writeFile(join(sub, 'unknown.yaml'), 'server: { port: 12443, host: x }\n');
  const unknown = await cli(['check-config', '--config', join(sub, 'unknown.yaml')]);
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.stderr, /unknown key server\.host/);

  await writeFile(join(sub, 'broken.yaml'), 'server:\n  port: 12443\n  port: 12444\n');
  const broken = await cli(['check-config', '--config', join(sub, 'broken.yaml')]);
  assert.equal(broken.code, 1);
  assert.match(broken.stderr, /broken\.yaml: invalid YAML at line 3, column 3: Map keys must be unique/);

  await writeFile(
    join(sub, 'tls.yaml'),
    `tls: { ca: ${pki.files.ca}, cert: ${pki.files.cert}, key: ${join(sub, 'missing.key')} }\n`,
  );
  const tls = await cli(['check-config', '--config', join(sub, 'tls.yaml')]);
  assert.notEqual(tls.code, 0);
  assert.match(tls.stderr, /server key file/);
});

test('check-config: exit 1 with the reason for an unusable path, an uninstalled backend or a missing whitelist', async () => {
  const sub = await mkdtemp(join(dir, 'usable-'));
  await writeFile(join(sub, 'a-file'), 'not a directory\n');
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['log_dir is a regular file', { paths: { log_dir: join(sub, 'a-file') } }, /paths\.log_dir: .*a-file is not a directory/],
    ['log_dir under /proc', { paths: { log_dir: '/proc/lpa-log' } }, /paths\.log_dir: \/proc\/lpa-log is inside \/proc/],
    ['backend zypper', { backend: { name: 'zypper' } }, /backend\.name: "zypper" is not installed; installed backends: .*apt/],
    [
      'missing whitelist',
      { whitelist_file: join(sub, 'missing-whitelist.yaml') },
      /whitelist_file: .*missing-whitelist\.yaml does not exist/,
    ],
  ];
  for (const [what, config, reason] of cases) {
    const caseDir = await mkdtemp(join(sub, 'case-'));
    await createTestPkiCopy(caseDir);
    const { configPath } = await writeAgentConfig(caseDir, { port: 12443, config });
    const result = await cli(['check-config', '--config', configPath]);
    assert.equal(result.code, 1, `${what}: ${result.stdout}`);
    assert.match(result.stderr, reason, what);
  }
});

test('serve: logs JSON to stdout, answers over mTLS, and exits 0 on SIGTERM', async () => {
  const sub = await mkdtemp(join(dir, 'serve-'));
  await createTestPkiCopy(sub);
  const port = await freePort();
  // The fake package manager on a throwaway root: the default backend would be the host's apt.
  const fakeBackend = {
    plugins: [join(REPO_ROOT, 'test/support/fake-package-manager/plugin.ts')],
    backend: { name: 'fake', root: sub },
  };
  const { configPath } = await writeAgentConfig(sub, { port, config: fakeBackend });
  const agent = await spawnAgentProcess({ configPath });
  try {
    assert.equal(agent.port, port);
    const res = await mtlsRequest({
      port,
      ca: pki.ca.certPem,
      cert: pki.client.certPem,
      key: pki.client.keyPem,
      path: '/health',
    });
    assert.equal(res.status, 200);
    const requestId = res.json.request_id;
    const { waitFor } = await import('../../../test/support/wait.js');
    await waitFor(() => agent.stdout().includes(requestId), { what: 'the request id in the stdout log' });
  } finally {
    const code = await agent.stop('SIGTERM');
    assert.equal(code, 0, agent.stderr());
  }
  const lines = agent
    .stdout()
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { msg: string });
  assert.ok(lines.some((line) => line.msg === 'linux-patch-api stopped'));
});

test('serve: a config that cannot start exits non-zero with the reason', async () => {
  const sub = await mkdtemp(join(dir, 'nostart-'));
  await writeFile(join(sub, 'config.yaml'), 'tls: { ca: nope.pem, cert: nope.pem, key: nope.key }\n');
  const result = await cli(['serve', '--config', join(sub, 'config.yaml')]);
  assert.equal(result.code, 1);
  assert.match(result.stdout, /could not start/);
  assert.match(result.stdout, /cannot read the CA file .*nope\.pem/);
});

/** The serve test gets its own directory with the same PKI (so the shared client certificate works). */
async function createTestPkiCopy(target: string): Promise<void> {
  await writeFile(join(target, 'ca.pem'), pki.ca.certPem);
  await writeFile(join(target, 'server.pem'), pki.server.certPem);
  await writeFile(join(target, 'server.key'), pki.server.keyPem, { mode: 0o600 });
}
