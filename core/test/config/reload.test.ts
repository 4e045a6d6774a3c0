import assert from 'node:assert/strict';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { stringify } from 'yaml';
import { freePort, startTestAgent, type TestAgent } from '../../../test/support/agent.js';
import { daysFromNow } from '../../../test/support/pki.js';
import { probeRawTcp, probeTls } from '../../../test/support/tls-client.js';
import { waitFor } from '../../../test/support/wait.js';
import { assertAllRefused, refusalCases } from '../tls/refusal-cases.js';

let t: TestAgent;
before(async () => {
  t = await startTestAgent({ allowed: ['127.0.0.1'] });
});
after(() => t.stop());

function reloads(accepted: boolean): number {
  return t.audit.records.filter((r) => r.event === 'config_reload' && r.accepted === accepted).length;
}

async function expectRefusedChange(write: () => Promise<void>, reasonPattern: RegExp): Promise<void> {
  const before = reloads(false);
  const configBefore = JSON.stringify(t.agent.services.getConfig());
  await write();
  // A write can fire more than one file event; the refusal of this change is the one with its reason.
  const record = await waitFor(
    () =>
      t.audit.records
        .filter((r) => r.event === 'config_reload' && r.accepted === false)
        .slice(before)
        .find((r) => reasonPattern.test(String(r.reason))),
    { what: 'the refused reload to be audited' },
  );
  assert.match(String(record.reason), reasonPattern);
  assert.equal(JSON.stringify(t.agent.services.getConfig()), configBefore, 'the running config changed');
  assert.ok(
    t.logs.some(
      (line) => line.msg === 'config change refused; the running config stays in force' && line.reason === record.reason,
    ),
  );
  const res = await t.request('/health');
  assert.equal(res.status, 200, 'the agent still serves with the old config');
  await restoreValidFiles();
}

/** Puts the start config and whitelist back and waits until the agent has read them. */
async function restoreValidFiles(): Promise<void> {
  await t.writeConfig({});
  await t.writeWhitelist(['127.0.0.1']);
  await t.agent.config.reload();
}

test('the same refusal is audited once, however many file events one save fires', async () => {
  const before = reloads(false);
  await t.writeConfig({ tls: { max_client_cert_days: 'x' } });
  await waitFor(() => reloads(false) > before, { what: 'the refusal' });
  await t.agent.config.reload();
  await t.agent.config.reload();
  assert.equal(reloads(false), before + 1);
  await restoreValidFiles();
});

describe('invalid changes leave the running config in force', () => {
  test('invalid YAML', async () => {
    await expectRefusedChange(() => writeFile(t.configPath, 'server: { port: 1\ntls: [\n'), /invalid YAML/);
  });

  test('a schema violation', async () => {
    await expectRefusedChange(() => t.writeConfig({ tls: { max_client_cert_days: -5 } }), /tls\.max_client_cert_days/);
  });

  test('an unknown key', async () => {
    await expectRefusedChange(() => t.writeConfig({ tls: { verify_clients: false } }), /unknown key tls\.verify_clients/);
  });

  test('a broken whitelist', async () => {
    const before = reloads(false);
    await writeFile(t.whitelistPath, 'allowed: [127.0.0.2, "everyone"]\n');
    await waitFor(() => reloads(false) > before, { what: 'the refused whitelist' });
    assert.equal((await probeRawTcp({ port: t.port })).bytesReceived > 0, true, '127.0.0.1 is still admitted');
    assert.equal((await probeRawTcp({ port: t.port, localAddress: '127.0.0.2' })).bytesReceived, 0);
    await restoreValidFiles();
  });
});

describe('a change must be usable as a whole, not only well-typed', () => {
  test('a log_dir that is a regular file, /dev/null or under /proc is refused', async () => {
    const file = join(t.dir, 'a-file');
    await writeFile(file, 'x\n');
    await expectRefusedChange(() => t.writeConfig({ paths: { log_dir: file } }), /paths\.log_dir: .*a-file is not a directory/);
    await expectRefusedChange(
      () => t.writeConfig({ paths: { log_dir: '/dev/null' } }),
      /paths\.log_dir: \/dev\/null is inside \/dev/,
    );
    await expectRefusedChange(
      () => t.writeConfig({ paths: { log_dir: '/proc/lpa-log' } }),
      /paths\.log_dir: \/proc\/lpa-log is inside \/proc/,
    );
    await expectRefusedChange(
      () => t.writeConfig({ paths: { state_dir: join(file, 'state') } }),
      /paths\.state_dir: .* cannot be created: .*a-file is not a directory/,
    );
  });

  test('a TLS path that does not load refuses the whole change: no accepted reload, no cert_reload', async () => {
    const certReloads = t.audit.records.filter((r) => r.event === 'cert_reload').length;
    const accepted = reloads(true);
    await expectRefusedChange(
      () => t.writeConfig({ tls: { cert: 'missing-server.pem' }, jobs: { max_queued: 3 } }),
      /tls: cannot read the server certificate file .*missing-server\.pem/,
    );
    assert.equal(reloads(true), accepted, 'part of the change was accepted');
    assert.equal(t.audit.records.filter((r) => r.event === 'cert_reload').length, certReloads);
  });

  test('a whitelist_file that does not exist is refused', async () => {
    await expectRefusedChange(
      () => t.writeConfig({ whitelist_file: 'no-such-whitelist.yaml' }),
      /whitelist_file: .*no-such-whitelist\.yaml does not exist/,
    );
  });

  test('an advisory feed that is missing or not a regular file is refused, naming the key', async () => {
    await expectRefusedChange(
      () => t.writeConfig({ advisories: { debian_tracker_json: 'no-such-tracker.json' } }),
      /advisories\.debian_tracker_json: .*no-such-tracker\.json does not exist/,
    );
    await expectRefusedChange(
      () => t.writeConfig({ advisories: { debian_tracker_json: '/tmp' } }),
      /advisories\.debian_tracker_json: \/tmp is not a regular file/,
    );
    await expectRefusedChange(
      () => t.writeConfig({ advisories: { arch_audit_json: 'no-such-avgs.json' } }),
      /advisories\.arch_audit_json: .*no-such-avgs\.json does not exist/,
    );
  });

  test('the same bad file written again is refused, logged and audited again', async () => {
    const refusalsOf = () =>
      t.audit.records.filter((r) => r.event === 'config_reload' && r.accepted === false && /\/dev\/null/.test(String(r.reason)))
        .length;
    const logLinesOf = () => t.logs.filter((line) => /\/dev\/null/.test(String(line.reason))).length;
    const before = refusalsOf();
    const logsBefore = logLinesOf();
    await t.writeConfig({ paths: { log_dir: '/dev/null' } });
    await waitFor(() => refusalsOf() === before + 1, { what: 'the first refusal' });
    await t.writeConfig({ paths: { log_dir: '/dev/null' } });
    await waitFor(() => refusalsOf() === before + 2, { what: 'the repeated refusal' });
    assert.equal(logLinesOf(), logsBefore + 2);
    await restoreValidFiles();
  });
});

describe('valid changes take effect without a restart', () => {
  test('a shorter max_client_cert_days refuses a client that was admitted', async () => {
    await t.writeConfig({});
    const sixtyDays = await t.pki.ca.issueClient({ notBefore: daysFromNow(-1), notAfter: daysFromNow(59) });
    const opts = { port: t.port, ca: t.pki.ca.certPem, cert: sixtyDays.certPem, key: sixtyDays.keyPem };
    const firstProbe = await probeTls(opts);
    assert.ok(firstProbe.httpBytes > 0);
    const accepted = reloads(true);
    await t.writeConfig({ tls: { max_client_cert_days: 30 } });
    await waitFor(() => reloads(true) > accepted, { what: 'the accepted reload' });
    assert.equal(t.agent.services.getConfig().tls.max_client_cert_days, 30);
    assert.equal((await probeTls(opts)).httpBytes, 0);
    await t.writeConfig({});
    await waitFor(async () => (await probeTls(opts)).httpBytes > 0, { what: 'the limit to be lifted again' });
  });

  test('an editor-style replace (write a temp file, rename it over the config) is picked up', async () => {
    const accepted = reloads(true);
    const temp = join(t.dir, '.config.yaml.swp');
    const config = { ...(await import('../../../test/support/agent.js')).baseConfig(), jobs: { max_concurrent: 2 } };
    await writeFile(temp, stringify(config));
    await rename(temp, t.configPath);
    await waitFor(() => reloads(true) > accepted, { what: 'the renamed config' });
    assert.equal(t.agent.services.getConfig().jobs.max_concurrent, 2);
    await t.writeConfig({});
  });

  test('all client-certificate refusals still hold after a config reload', async () => {
    const accepted = reloads(true);
    await t.writeConfig({ jobs: { max_queued: 7 } });
    await waitFor(() => reloads(true) > accepted, { what: 'the reload' });
    await assertAllRefused(t, await refusalCases(t), 'after a config reload');
    await t.writeConfig({});
  });

  test('a new port: the agent listens there and stops accepting on the old one', async () => {
    const oldPort = t.agent.address().port;
    const newPort = await freePort();
    await t.writeConfig({ server: { port: newPort } });
    await waitFor(() => t.agent.address().port === newPort, { what: 'the rebind' });
    const res = await t.request('/health');
    assert.equal(res.status, 200);
    const old = await probeRawTcp({ port: oldPort });
    assert.equal(old.connected, false, 'the old port still accepts connections');
  });
});

test('a valid change to a setting bound at start is accepted, says it needs a restart and leaves the running value', async () => {
  const before = reloads(true);
  const runningStateDir = t.agent.services.getConfig().paths.state_dir;
  await t.writeConfig({ paths: { state_dir: 'other-state' }, jobs: { max_queued: 9 } });
  const record = await waitFor(
    () =>
      t.audit.records
        .filter((r) => r.event === 'config_reload' && r.accepted === true)
        .slice(before)
        .find((r) => Array.isArray(r.restart_required) && r.restart_required.length > 0),
    { what: 'the accepted reload naming what needs a restart' },
  );
  assert.deepEqual(record.restart_required, ['paths.state_dir']);
  assert.ok(t.logs.some((line) => line.msg === 'config reloaded; these settings take effect at the next restart'));
  assert.equal(t.agent.services.getConfig().paths.state_dir, runningStateDir, 'the running state_dir changed');
  assert.equal(t.agent.services.getConfig().jobs.max_queued, 9, 'the rest of the change is in force');
  await restoreValidFiles();
});
