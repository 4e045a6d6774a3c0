import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { waitFor } from '../support/wait.js';
import { type AuditAgent, startAuditAgent } from './support.js';

// A reload naming an unusable log_dir, an uninstalled backend or TLS files that do not load is
// refused as a whole: the file sink keeps writing where it did, mutations still run audited, and
// SIGTERM still stops the agent.

let agent: AuditAgent;
let original: Record<string, unknown>;

before(async () => {
  agent = await startAuditAgent({ sinks: ['file'] });
  original = parse(await readFile(agent.configPath, 'utf8'));
});
after(() => agent?.dispose());

async function writeConfigWith(change: Record<string, unknown>): Promise<void> {
  await writeFile(agent.configPath, stringify({ ...original, ...change }));
}

async function refusals(pattern: RegExp): Promise<number> {
  return (await agent.auditRecords()).filter(
    (r) => r.event === 'config_reload' && r.accepted === false && pattern.test(String(r.reason)),
  ).length;
}

it('a bad log_dir, backend or TLS path is refused, audited in the running log, and mutations stay audited', async () => {
  await agent.waitForRecord('agent_start');
  const file = join(agent.dir, 'a-file');
  await writeFile(file, 'x\n');
  const paths = original.paths as Record<string, unknown>;
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ paths: { ...paths, log_dir: file } }, /paths\.log_dir: .*a-file is not a directory/],
    [{ paths: { ...paths, log_dir: '/dev/null' } }, /paths\.log_dir: \/dev\/null is inside \/dev/],
    [{ paths: { ...paths, log_dir: '/proc/lpa-log' } }, /paths\.log_dir: \/proc\/lpa-log is inside \/proc/],
    [
      { backend: { name: 'zypper', root: (original.backend as { root: string }).root } },
      /backend\.name: "zypper" is not installed/,
    ],
    [{ tls: { ...(original.tls as object), key: 'missing.key' } }, /tls: cannot read the server key file/],
  ];
  for (const [change, reason] of cases) {
    const before = await refusals(reason);
    await writeConfigWith(change);
    await waitFor(async () => (await refusals(reason)) === before + 1, { what: `the refusal ${reason}` });
    // The same bad file written again is a new refusal, audited again.
    await writeConfigWith(change);
    await waitFor(async () => (await refusals(reason)) === before + 2, { what: `the repeated refusal ${reason}` });
  }
  const records = await agent.auditRecords();
  assert.equal(
    records.filter((r) => r.event === 'config_reload' && r.accepted === true).length,
    0,
    'part of a change was accepted',
  );
  assert.equal(records.filter((r) => r.event === 'cert_reload').length, 0, 'a TLS change got past the config check');

  const res = await agent.request('POST', '/packages', { packages: [{ name: 'extra' }] });
  assert.equal(res.status, 202, res.text);
  const job = await agent.waitForJob(res.json.data.id);
  assert.equal(job.status, 'completed', JSON.stringify(job));
  await agent.waitForRecord('job_completed', (r) => r.job_id === job.id);

  assert.equal(await agent.stop('SIGTERM'), 0);
  await agent.waitForRecord('agent_stop');
});
