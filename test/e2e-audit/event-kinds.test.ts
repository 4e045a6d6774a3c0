import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { REPO_ROOT } from '../support/agent.js';
import { daysFromNow, TestCa } from '../support/pki.js';
import { probeRawTcp, probeTls } from '../support/tls-client.js';
import { waitFor } from '../support/wait.js';
import { type AuditAgent, type AuditLine, startAuditAgent } from './support.js';

// One agent process with the default `audit.sinks: [auto]` (no journald or /dev/log here, so the
// file sink takes everything); each SPEC §8 event kind is provoked through the real front door and
// read back from log/audit.log.

let agent: AuditAgent;
before(async () => {
  agent = await startAuditAgent();
});
after(async () => {
  await agent?.dispose();
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function assertCommonFields(record: AuditLine): void {
  assert.match(record.timestamp, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, 'timestamp is RFC 3339 UTC');
  assert.equal(typeof record.agent.hostname, 'string');
  assert.match(record.agent.version, /^\d+\.\d+\.\d+/);
  for (const field of ['request_id', 'client', 'ip', 'prev_hash']) assert.ok(field in record, `${field} is present`);
}

function isOurClient(record: AuditLine): boolean {
  return (
    record.client?.cn === agent.pki.client.commonName &&
    record.client?.serial === agent.pki.client.serial &&
    record.client?.fingerprint256 === agent.pki.client.fingerprint256
  );
}

describe('connection and request events', () => {
  it('agent_start: version, address, port, pid', async () => {
    const record = await agent.waitForRecord('agent_start');
    assertCommonFields(record);
    assert.equal(record.port, agent.process.port);
    assert.equal(record.pid, agent.process.child.pid);
    assert.equal(record.client, null);
  });

  it('api_request and auth_success: client CN/serial/fingerprint, IP, method, path, status, request id, duration', async () => {
    const res = await agent.request('GET', '/health');
    assert.equal(res.status, 200, res.text);
    const requestId = res.json.request_id;
    assert.match(requestId, UUID);
    const record = await agent.waitForRecord('api_request', (r) => r.request_id === requestId);
    assertCommonFields(record);
    assert.ok(isOurClient(record), JSON.stringify(record.client));
    assert.equal(record.ip, '127.0.0.1');
    assert.equal(record.method, 'GET');
    assert.equal(record.path, '/health');
    assert.equal(record.status, 200);
    assert.equal(typeof record.duration_ms, 'number');
    const auth = await agent.waitForRecord('auth_success', isOurClient);
    assert.equal(auth.ip, '127.0.0.1');
  });

  it('auth_failure: a certificate from another CA is refused and audited without a client identity', async () => {
    const before = (await agent.auditRecords()).filter((r) => r.event === 'auth_failure').length;
    const stranger = await (await TestCa.create({ name: 'Stranger CA' })).issueClient({ cn: 'mallory' });
    const probe = await probeTls({
      port: agent.process.port,
      ca: agent.pki.ca.certPem,
      cert: stranger.certPem,
      key: stranger.keyPem,
    });
    assert.equal(probe.httpBytes, 0);
    const record = await waitFor(async () => (await agent.auditRecords()).filter((r) => r.event === 'auth_failure')[before], {
      what: 'a new auth_failure record',
    });
    assertCommonFields(record);
    assert.equal(record.reason, 'unknown_ca');
    assert.equal(record.client, null, 'an unverified certificate is not a client identity');
  });

  it('auth_failure of an expired certificate names the peer IP and the reason', async () => {
    const before = (await agent.auditRecords()).filter((r) => r.event === 'auth_failure').length;
    const stranger = await agent.pki.ca.issueClient({ cn: 'eve', notBefore: daysFromNow(-30), notAfter: daysFromNow(-1) });
    const probe = await probeTls({
      port: agent.process.port,
      ca: agent.pki.ca.certPem,
      cert: stranger.certPem,
      key: stranger.keyPem,
    });
    assert.equal(probe.httpBytes, 0);
    const record = await waitFor(async () => (await agent.auditRecords()).filter((r) => r.event === 'auth_failure')[before], {
      what: 'a new auth_failure record',
    });
    assert.equal(record.ip, '127.0.0.1');
    assert.equal(record.reason, 'expired');
  });

  it('auth_failure: a connection without a client certificate', async () => {
    const before = (await agent.auditRecords()).filter((r) => r.event === 'auth_failure').length;
    const probe = await probeTls({ port: agent.process.port, ca: agent.pki.ca.certPem });
    assert.equal(probe.httpBytes, 0);
    await agent.waitForRecord('auth_failure', () => true);
    const failures = await (async () => {
      for (let i = 0; i < 200; i += 1) {
        const now = (await agent.auditRecords()).filter((r) => r.event === 'auth_failure');
        if (now.length > before) return now;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      return [];
    })();
    assert.ok(failures.length > before, 'a new auth_failure record');
    assert.equal(failures.at(-1)!.cert_fingerprint, undefined);
  });

  it('ip_denied: a peer outside the allow-list', async () => {
    const probe = await probeRawTcp({ port: agent.process.port, localAddress: '127.0.0.2' });
    assert.equal(probe.bytesReceived, 0);
    const record = await agent.waitForRecord('ip_denied', (r) => r.ip === '127.0.0.2');
    assertCommonFields(record);
    assert.equal(typeof record.port, 'number');
  });
});

describe('job events', () => {
  it('job_intent, job_update and job_completed carry the package, version, action and job id, and the measured changes', async () => {
    const res = await agent.request('POST', '/packages', { packages: [{ name: 'extra', version: '3.0' }] });
    assert.equal(res.status, 202, res.text);
    const jobId = res.json.data.id;
    const job = await agent.waitForJob(jobId);
    assert.equal(job.status, 'completed', JSON.stringify(job));

    const intent = await agent.waitForRecord('job_intent', (r) => r.job_id === jobId);
    assertCommonFields(intent);
    assert.equal(intent.type, 'package_install');
    assert.deepEqual(intent.request.packages, [{ name: 'extra', version: '3.0' }]);
    assert.equal(intent.client.cn, agent.pki.client.commonName);

    const started = await agent.waitForRecord('job_update', (r) => r.job_id === jobId && r.status === 'running');
    assert.equal(started.type, 'package_install');

    const completed = await agent.waitForRecord('job_completed', (r) => r.job_id === jobId);
    assert.equal(completed.status, 'completed');
    assert.deepEqual(completed.changes, [{ name: 'extra', action: 'installed', from_version: null, to_version: '3.0' }]);
    assert.equal(completed.error, null);

    const all = await agent.auditRecords();
    const order = ['job_intent', 'job_completed'].map((event) => all.findIndex((r) => r.event === event && r.job_id === jobId));
    assert.ok(order[0]! < order[1]!, 'the intent is recorded before the completion');
    const progress = all.filter((r) => r.job_id === jobId && r.kind === 'progress');
    assert.equal(progress.length, 0, 'progress ticks are not audited');
  });

  it('a removal is on record with its action', async () => {
    const res = await agent.request('DELETE', '/packages/old');
    assert.equal(res.status, 202, res.text);
    const jobId = res.json.data.id;
    await agent.waitForJob(jobId);
    const intent = await agent.waitForRecord('job_intent', (r) => r.job_id === jobId);
    assert.equal(intent.type, 'package_remove');
    const completed = await agent.waitForRecord('job_completed', (r) => r.job_id === jobId);
    assert.deepEqual(completed.changes, [{ name: 'old', action: 'removed', from_version: '2.0', to_version: null }]);
  });
});

describe('reload events', () => {
  it('config_reload: a valid change is accepted, an invalid one rejected with its reason', async () => {
    const { parse } = await import('yaml');
    const { readFile } = await import('node:fs/promises');
    const original = await readFile(agent.configPath, 'utf8');
    const changed = parse(original);
    changed.jobs = { ...changed.jobs, max_concurrent: 4 };
    await writeFile(agent.configPath, stringify(changed));
    const accepted = await agent.waitForRecord('config_reload', (r) => r.accepted === true);
    assertCommonFields(accepted);
    assert.equal(accepted.file, agent.configPath);

    await writeFile(agent.configPath, `${original}\nbogus_key: 1\n`);
    const rejected = await agent.waitForRecord('config_reload', (r) => r.accepted === false);
    assert.match(rejected.reason, /bogus_key/);
    await writeFile(agent.configPath, original);
    await agent.waitForRecord('config_reload', (r) => r.accepted === true && r.timestamp > rejected.timestamp);
  });

  it('cert_reload: a new server certificate is accepted, an unparsable one rejected', async () => {
    const dir = join(agent.dir, 'agent');
    const { readFile } = await import('node:fs/promises');
    const [certBefore, keyBefore] = await Promise.all([
      readFile(join(dir, 'server.pem'), 'utf8'),
      readFile(join(dir, 'server.key'), 'utf8'),
    ]);

    await writeFile(join(dir, 'server.pem'), 'not a certificate\n');
    const rejected = await agent.waitForRecord('cert_reload', (r) => r.accepted === false);
    assertCommonFields(rejected);
    assert.equal(typeof rejected.reason, 'string');

    const server = await agent.pki.ca.issueServer();
    await writeFile(join(dir, 'server.key'), server.keyPem, { mode: 0o600 });
    await writeFile(join(dir, 'server.pem'), server.certPem);
    const accepted = await agent.waitForRecord(
      'cert_reload',
      (r) => r.accepted === true && r.server_fingerprint === server.fingerprint256,
    );
    assert.equal(typeof accepted.server_not_after, 'string');
    assert.ok(certBefore.length > 0 && keyBefore.length > 0);
  });
});

describe('stop', () => {
  it('agent_stop is the last record, the chain verifies with `audit verify`, and no record holds a key', async () => {
    assert.equal(await agent.stop('SIGTERM'), 0);
    const records = await agent.auditRecords();
    assert.equal(records.at(-1)!.event, 'agent_stop');
    assert.equal(records.at(-1)!.pid, agent.process.child.pid);
    const { stdout } = await promisify(execFile)(process.execPath, [
      '--conditions=lpa-source',
      '--import',
      'tsx',
      join(REPO_ROOT, 'core/src/cli.ts'),
      'audit',
      'verify',
      '--config',
      agent.configPath,
    ]);
    assert.match(stdout, /intact/);
    const text = JSON.stringify(records);
    assert.ok(!text.includes('PRIVATE KEY'), 'no key material in the audit trail');
  });
});
