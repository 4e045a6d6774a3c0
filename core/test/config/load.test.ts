import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig, loadSettings } from '../../src/config/load.js';
import { isLpaError } from '../../src/errors.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lpa-config-'));
});
after(() => rm(dir, { recursive: true, force: true }));

async function configFile(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

async function refusal(path: string): Promise<string> {
  try {
    await loadSettings(path);
  } catch (error) {
    assert.ok(isLpaError(error, 'LPA_ERR_CONFIG_INVALID'), String(error));
    return error.message;
  }
  assert.fail('the config was accepted');
}

test('an empty mapping means every SPEC default; an empty file is refused (a save caught half-way)', async () => {
  assert.match(await refusal(await configFile('empty.yaml', '')), /the file is empty/);
  assert.match(await refusal(await configFile('blank.yaml', '\n  \n')), /the file is empty/);
  const config = await loadConfig(await configFile('defaults.yaml', '{}\n'));
  assert.deepEqual(config.server, { bind_address: '0.0.0.0', port: 12443 });
  assert.equal(config.tls.max_client_cert_days, 366);
  assert.equal(config.tls.crl, null);
  assert.equal(config.whitelist_file, '/etc/linux_patch_api/whitelist.yaml');
  assert.deepEqual(config.jobs, {
    max_concurrent: 5,
    timeout_seconds: 1800,
    max_queued: 100,
    retention_seconds: 86400,
    lock_wait_seconds: 60,
  });
});

test('relative paths resolve against the config file directory, absolute ones stay', async () => {
  const config = await loadConfig(
    await configFile(
      'relative.yaml',
      'tls: { ca: certs/ca.pem, cert: /abs/server.pem, key: ./server.key, crl: crl.pem }\nwhitelist_file: wl.yaml\npaths: { state_dir: state, log_dir: /var/log/x }\nbackend: { root: sandbox, apk_path: tools/apk }\nplugins: [./my-plugin, "@scope/plugin"]\n',
    ),
  );
  assert.equal(config.tls.ca, join(dir, 'certs/ca.pem'));
  assert.equal(config.tls.cert, '/abs/server.pem');
  assert.equal(config.tls.key, join(dir, 'server.key'));
  assert.equal(config.tls.crl, join(dir, 'crl.pem'));
  assert.equal(config.whitelist_file, join(dir, 'wl.yaml'));
  assert.equal(config.paths.state_dir, join(dir, 'state'));
  assert.equal(config.paths.log_dir, '/var/log/x');
  assert.equal(config.backend.root, join(dir, 'sandbox'));
  assert.equal(config.backend.apk_path, join(dir, 'tools/apk'));
  assert.deepEqual(config.plugins, [join(dir, 'my-plugin'), '@scope/plugin']);
});

test('unknown keys are errors naming their path', async () => {
  const message = await refusal(await configFile('unknown.yaml', 'tls:\n  max_client_days: 30\nextra_top: 1\n'));
  assert.match(message, /unknown key tls\.max_client_days/);
  assert.match(message, /unknown key extra_top/);
});

test('schema violations name the key', async () => {
  assert.match(await refusal(await configFile('port.yaml', 'server: { port: 70000 }\n')), /server\.port/);
  assert.match(await refusal(await configFile('jobs.yaml', 'jobs: { max_concurrent: 0 }\n')), /jobs\.max_concurrent/);
  assert.match(
    await refusal(await configFile('type.yaml', 'tls: { max_client_cert_days: "many" }\n')),
    /tls\.max_client_cert_days/,
  );
  assert.match(await refusal(await configFile('list.yaml', '- just\n- a list\n')), /top level/);
});

test('invalid YAML is refused with the reason', async () => {
  assert.match(await refusal(await configFile('broken.yaml', 'server: { port: 12443\n')), /invalid YAML/);
  assert.match(await refusal(await configFile('dupe.yaml', 'server: {}\nserver: {}\n')), /invalid YAML/);
});

test('a missing config file is refused', async () => {
  assert.match(await refusal(join(dir, 'nope.yaml')), /cannot be read \(ENOENT\)/);
});

test('the whitelist is validated with the config: unknown keys and bad entries are refused', async () => {
  await writeFile(join(dir, 'wl-bad-key.yaml'), 'allowed: [127.0.0.1]\ndenied: []\n');
  assert.match(await refusal(await configFile('wl1.yaml', 'whitelist_file: wl-bad-key.yaml\n')), /unknown key denied/);
  await writeFile(join(dir, 'wl-bad-entry.yaml'), 'allowed: [127.0.0.1, not-an-ip]\n');
  assert.match(await refusal(await configFile('wl2.yaml', 'whitelist_file: wl-bad-entry.yaml\n')), /not-an-ip/);
});

test('a whitelist with entries becomes the allow-list; a missing file or an empty list admits nobody', async () => {
  await writeFile(join(dir, 'wl-good.yaml'), 'allowed:\n  - 127.0.0.1\n  - 10.0.0.0/8\n');
  const good = await loadSettings(await configFile('wl3.yaml', 'whitelist_file: wl-good.yaml\n'));
  assert.deepEqual(good.allowList.entries, ['127.0.0.1', '10.0.0.0/8']);
  assert.equal(good.allowList.admits('10.1.2.3'), true);
  const missing = await loadSettings(await configFile('wl4.yaml', 'whitelist_file: missing-whitelist.yaml\n'));
  assert.equal(missing.allowList.admits('127.0.0.1'), false);
  await writeFile(join(dir, 'wl-null.yaml'), 'allowed:\n');
  const empty = await loadSettings(await configFile('wl5.yaml', 'whitelist_file: wl-null.yaml\n'));
  assert.equal(empty.allowList.admits('127.0.0.1'), false);
});
