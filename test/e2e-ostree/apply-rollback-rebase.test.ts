import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, it } from 'node:test';
import WebSocket, { type ClientOptions } from 'ws';
import { DEP, DEV, DEVTOOL, HELLO, OSNAME, PROD, REMOTE } from '../support/sandbox/ostree.js';
import { waitFor } from '../support/wait.js';
import {
  changeSummary,
  deploymentSummary,
  hostOstreeState,
  type JobRecord,
  type OstreeAgent,
  startOstreeAgent,
} from './support.js';

const hostUnchanged = hostOstreeState();
let agent: OstreeAgent;
before(async () => {
  agent = await startOstreeAgent();
});
after(async () => {
  await agent?.stop();
  hostUnchanged();
});

async function deployments() {
  const res = await agent.request('GET', '/deployments');
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.data.total, res.json.data.deployments.length);
  return res.json.data.deployments;
}

it("is chosen by the sysroot's run/ostree-booted and lists the booted deployment", async () => {
  const capabilities = await agent.request('GET', '/capabilities');
  assert.equal(capabilities.status, 200, capabilities.text);
  assert.equal(capabilities.json.data.operations.deployments, true);
  assert.equal(capabilities.json.data.operations.package_layering, false);
  assert.equal(capabilities.json.data.operations.install.version_pin, false);
  assert.equal(capabilities.json.data.operations.patch_apply.security_only, false);
  // Declared unsupported, so refused before a job exists rather than failing as one.
  const securityOnly = await agent.request('POST', '/patches/apply', { security_only: true });
  assert.equal(securityOnly.status, 409, securityOnly.text);
  assert.equal(securityOnly.json.error.code, 'NOT_SUPPORTED');
  const info = await agent.request('GET', '/system/info');
  assert.equal(info.json.data.package_manager, 'ostree');
  assert.equal(info.json.data.reboot_required, false);
  const list = await deployments();
  assert.deepEqual(deploymentSummary(list), ['0 1.0 booted']);
  assert.equal(list[0].origin, `${REMOTE}:${PROD}`);
  assert.equal(list[0].checksum, agent.sandbox.checksums.prod1);
  const packages = await agent.request('GET', '/packages');
  assert.deepEqual(
    packages.json.data.packages.map((p: { name: string; version: string }) => `${p.name}=${p.version}`),
    ['base-files=12.4', `${HELLO}=1.0-1`],
  );
});

it('shows the new prod commit as one patch with its package differences, applies it as the pending default and rolls it back', async () => {
  // GET /health refreshes a cache never refreshed (FR-007): the refresh pulls the origin's metadata.
  assert.equal((await agent.request('GET', '/health')).json.data.cache_status, 'fresh');
  const patches = await agent.request('GET', '/patches');
  assert.equal(patches.status, 200, patches.text);
  assert.equal(patches.json.data.total, 1);
  const [patch] = patches.json.data.patches;
  assert.deepEqual([patch.name, patch.current_version, patch.available_version], [OSNAME, '1.0', '1.1']);
  assert.deepEqual(patch.package_changes, [
    { name: DEP, action: 'installed', from_version: null, to_version: '1.0-1' },
    { name: HELLO, action: 'upgraded', from_version: '1.0-1', to_version: '1.1-1' },
  ]);

  const apply = await agent.runJob('POST', '/patches/apply');
  assert.equal(apply.status, 'completed', JSON.stringify(apply.error));
  assert.deepEqual(changeSummary(apply), [
    `installed ${DEP} - > 1.0-1`,
    `upgraded ${HELLO} 1.0-1 > 1.1-1`,
    `upgraded ${OSNAME} 1.0 > 1.1`,
  ]);
  assert.deepEqual(deploymentSummary(await deployments()), ['0 1.1 pending', '1 1.0 booted']);
  assert.equal((await agent.request('GET', '/system/info')).json.data.reboot_required, true);
  assert.equal((await agent.request('GET', '/patches')).json.data.total, 0, 'the pending deployment is the newest commit');

  const rollback = await agent.request('POST', '/deployments/rollback');
  assert.equal(rollback.status, 202, rollback.text);
  assert.equal(rollback.json.data.type, 'deployment_rollback');
  // Exclusive like every rollback: other requests wait until it ends (it may already have).
  const during = await agent.request('GET', '/packages');
  assert.ok(during.status === 503 || during.status === 200, during.text);
  if (during.status === 503) assert.equal(during.json.error.code, 'ROLLBACK_IN_PROGRESS');
  const rolledBack = await agent.waitForJob(rollback.json.data.id);
  assert.equal(rolledBack.status, 'completed', JSON.stringify(rolledBack.error));
  assert.deepEqual(changeSummary(rolledBack), [
    `downgraded ${HELLO} 1.1-1 > 1.0-1`,
    `downgraded ${OSNAME} 1.1 > 1.0`,
    `removed ${DEP} 1.0-1 > -`,
  ]);
  assert.deepEqual(deploymentSummary(await deployments()), ['0 1.0 booted']);
  assert.equal((await agent.request('GET', '/system/info')).json.data.reboot_required, false);

  const none = await agent.request('POST', '/deployments/rollback');
  assert.equal(none.status, 409, none.text);
  assert.equal(none.json.error.code, 'CONFLICT', 'nothing earlier to go back to');

  const audit = await agent.auditRecords();
  const intents = audit.filter((r) => r.event === 'job_intent').map((r) => r.type);
  assert.deepEqual(intents, ['patch_apply', 'deployment_rollback']);
  const completed = audit.find((r) => r.event === 'job_completed' && r.job_id === apply.id);
  assert.ok(completed, 'the apply is audited with its changes');
});

it('rebases to the dev ref; the pending deployment can be deleted, the booted one cannot', async () => {
  const bad = await agent.request('POST', '/deployments', { ref: '--repo=/tmp' });
  assert.equal(bad.status, 400, bad.text);
  assert.equal(bad.json.error.code, 'VALIDATION_ERROR');

  const rebase = await agent.runJob('POST', '/deployments', { ref: DEV });
  assert.equal(rebase.status, 'completed', JSON.stringify(rebase.error));
  assert.equal(rebase.type, 'deployment_rebase');
  assert.deepEqual(changeSummary(rebase), [
    `installed ${DEP} - > 1.0-1`,
    `installed ${DEVTOOL} - > 0.1-1`,
    'upgraded base-files 12.4 > 13',
    `upgraded ${HELLO} 1.0-1 > 1.1-1`,
    `upgraded ${OSNAME} 1.0 > 2.0`,
  ]);
  const list = await deployments();
  assert.deepEqual(deploymentSummary(list), ['0 2.0 pending', '1 1.0 booted']);
  assert.equal(list[0].origin, `${REMOTE}:${DEV}`);

  const booted = await agent.request('DELETE', '/deployments/1');
  assert.equal(booted.status, 409, booted.text);
  assert.equal(booted.json.error.code, 'CONFLICT');
  const removed = await agent.runJob('DELETE', '/deployments/0');
  assert.equal(removed.status, 'completed', JSON.stringify(removed.error));
  assert.deepEqual(deploymentSummary(await deployments()), ['0 1.0 booted']);

  // The job stream tells the rebase's story like any job's: created, started, (progress), finished with its changes.
  const updates = await jobStream(rebase.id);
  const statuses = updates.map((update) => update.job.status);
  assert.deepEqual([statuses[0], statuses[1], statuses.at(-1)], ['pending', 'running', 'completed'], statuses.join(' '));
  assert.deepEqual(changeSummary(updates.at(-1)?.job), changeSummary(rebase));
});

/** The retained /ws/jobs updates of one job, replayed with ?since=0 over mTLS. */
async function jobStream(jobId: string): Promise<{ job: JobRecord }[]> {
  const ws = new WebSocket(`wss://127.0.0.1:${agent.process.port}/ws/jobs?since=0&job_id=${jobId}`, {
    ca: agent.pki.ca.certPem,
    cert: agent.pki.client.certPem,
    key: agent.pki.client.keyPem,
    servername: 'localhost',
  } as ClientOptions);
  const updates: { job: JobRecord }[] = [];
  ws.on('message', (data) => updates.push(JSON.parse(String(data))));
  await once(ws, 'open');
  try {
    await waitFor(() => updates.some((update) => update.job.status === 'completed'), { what: 'the replayed updates' });
    return updates;
  } finally {
    ws.close();
  }
}

it('refuses package install, update and removal with NOT_SUPPORTED and changes nothing', async () => {
  const before = await agent.sandbox.status();
  for (const [method, path, body] of [
    ['POST', '/packages', { packages: [{ name: HELLO }] }],
    ['PUT', `/packages/${HELLO}`, undefined],
    ['DELETE', `/packages/${HELLO}`, undefined],
  ] as const) {
    const res = await agent.request(method, path, body);
    assert.equal(res.status, 409, `${method} ${path}: ${res.text}`);
    assert.equal(res.json.error.code, 'NOT_SUPPORTED');
  }
  assert.equal(await agent.sandbox.status(), before);
});
