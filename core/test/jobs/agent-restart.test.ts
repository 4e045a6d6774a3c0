import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  createTestPki,
  freePort,
  REPO_ROOT,
  spawnAgentProcess,
  type TestPki,
  writeAgentConfig,
} from '../../../test/support/agent.js';
import { createFakePackageManager, type FakePackageManager } from '../../../test/support/fake-package-manager/index.js';
import { mtlsRequest } from '../../../test/support/tls-client.js';
import { waitFor } from './harness.js';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

interface Setup {
  dir: string;
  pki: TestPki;
  pm: FakePackageManager;
  configPath: string;
}

async function setup(): Promise<Setup> {
  const dir = await mkdtemp(join(tmpdir(), 'lpa-agent-restart-'));
  const pm = await createFakePackageManager({ installed: { hello: '1.0' }, repo: { hello: ['1.0', '1.1'], dep: ['1.0'] } });
  cleanups.push(async () => {
    await pm.cleanup();
    await rm(dir, { recursive: true, force: true });
  });
  const pki = await createTestPki(dir);
  const { configPath } = await writeAgentConfig(dir, {
    port: await freePort(),
    config: {
      plugins: [join(REPO_ROOT, 'test/support/fake-package-manager/plugin.ts')],
      backend: { name: 'fake', root: pm.root },
      audit: { sinks: ['file'] },
    },
  });
  return { dir, pki, pm, configPath };
}

function client(s: Setup, port: number) {
  return (method: string, path: string, body?: unknown) =>
    mtlsRequest({
      port,
      ca: s.pki.ca.certPem,
      cert: s.pki.client.certPem,
      key: s.pki.client.keyPem,
      method,
      path,
      ...(body === undefined ? {} : { body }),
    });
}

async function auditEvents(s: Setup): Promise<Record<string, unknown>[]> {
  const file = join(s.dir, 'log', 'audit.log');
  if (!existsSync(file)) return [];
  return (await readFile(file, 'utf8'))
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

test('a job running when the agent died is audited as interrupted at the next start, repaired, and its record cleared', async () => {
  const s = await setup();
  await s.pm.setBehaviour({ sleepMs: 60_000 });
  const first = await spawnAgentProcess({ configPath: s.configPath });
  const call = client(s, first.port);
  const job = (await call('POST', '/packages', { packages: [{ name: 'dep' }] })).json.data;
  await waitFor(async () => (await s.pm.events()).length > 0, 'the package manager to start');
  assert.equal((await call('GET', `/jobs/${job.id}`)).json.data.status, 'running');
  assert.equal(await first.stop('SIGKILL'), null);
  // The package manager runs in its own process group and outlives the agent, as apt would.
  const pmPid = Number((await s.pm.events())[0]?.split(' ')[1]);
  process.kill(-pmPid, 'SIGKILL');
  assert.ok(existsSync(join(s.dir, 'state', 'jobs', `${job.id}.json`)));

  await s.pm.setBehaviour({});
  const second = await spawnAgentProcess({ configPath: s.configPath });
  try {
    await waitFor(
      async () => (await auditEvents(s)).some((r) => r.event === 'job_interrupted' && r.job_id === job.id),
      'job_interrupted',
    );
    const interrupted = (await auditEvents(s)).find((r) => r.event === 'job_interrupted' && r.job_id === job.id);
    assert.equal(interrupted?.status, 'running');
    assert.equal(interrupted?.phase, 'agent_start');
    assert.equal((await s.pm.read()).counters?.repair, 1);
    assert.deepEqual(await readdir(join(s.dir, 'state', 'jobs')), []);
    const jobs = (await client(s, second.port)('GET', '/jobs')).json.data;
    assert.equal(jobs.total, 0, 'job records do not survive a restart');
  } finally {
    assert.equal(await second.stop('SIGTERM'), 0);
  }
});

test('SIGTERM lets a running job finish before the agent exits', async () => {
  const s = await setup();
  await s.pm.setBehaviour({ sleepMs: 1500 });
  const agent = await spawnAgentProcess({ configPath: s.configPath });
  const job = (await client(s, agent.port)('PUT', '/packages/hello')).json.data;
  await waitFor(async () => (await s.pm.events()).length > 0, 'the package manager to start');
  assert.equal(await agent.stop('SIGTERM'), 0, agent.stderr());
  assert.deepEqual((await s.pm.read()).installed, { hello: '1.1' });
  const completed = (await auditEvents(s)).find((r) => r.event === 'job_completed' && r.job_id === job.id);
  assert.equal(completed?.status, 'completed');
  assert.equal((await auditEvents(s)).filter((r) => r.event === 'job_interrupted').length, 0);
});
