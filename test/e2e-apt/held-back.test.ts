import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { HELLO, publishAptPackages, SEC } from '../support/sandbox/apt.js';
import { runTool } from '../support/sandbox/common.js';
import { type AptAgent, changeSummary, hostPackageState, type JobRecord, startAptAgent } from './support.js';

const HELD = 'lpa-fixture-held';
const PINNED = 'lpa-fixture-pinned';
const PHASED = 'lpa-fixture-phased';
const POLICY_PLUGIN = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures/apply-policy');

const hostUnchanged = hostPackageState();
let agent: AptAgent;
before(async () => {
  agent = await startAptAgent({
    sandbox: { install: [`${HELLO}=1.0-1`, `${SEC}=1.0-1`] },
    config: { plugins: [POLICY_PLUGIN] },
    async prepare(sandbox) {
      await publishAptPackages(sandbox, [
        ...[HELD, PINNED, PHASED].map((name) => ({ name, version: '1.0-1' })),
        { name: HELD, version: '1.1-1' },
        { name: PINNED, version: '1.1-1' },
        // Phasing applies on a machine with an id; 0 % means no machine gets it yet.
        { name: PHASED, version: '1.1-1', fields: { 'Phased-Update-Percentage': '0' } },
      ]);
      await writeFile(join(sandbox.root, 'etc/machine-id'), '0123456789abcdef0123456789abcdef\n');
      await writeFile(
        join(sandbox.root, 'etc/apt/preferences.d/lpa-pin'),
        `Package: ${PINNED}\nPin: version 1.0-1\nPin-Priority: 1001\n`,
      );
      await sandbox.aptGet(['-q', 'update']);
      await sandbox.aptGet(['-y', '-q', 'install', '--', `${HELD}=1.0-1`, `${PINNED}=1.0-1`, `${PHASED}=1.0-1`]);
      // apt-mark runs dpkg --set-selections with the sandbox's DPkg::Options (--root).
      await runTool('/usr/bin/apt-mark', ['hold', HELD], { env: sandbox.env });
    },
  });
});
after(async () => {
  await agent?.stop();
  hostUnchanged();
});

const heldOf = (entries: { name: string; reason: string }[]) => entries.map((entry) => `${entry.name} ${entry.reason}`).sort();

it('GET /patches lists the held, pinned and phased updates with their reason, and the free ones with null', async () => {
  const { json } = await agent.request('GET', '/patches');
  const byName = new Map<string, JobRecord>(json.data.patches.map((patch: JobRecord) => [patch.name, patch]));
  assert.deepEqual(byName.get(HELD).held_back, { reason: 'held', detail: `dpkg selection of ${HELD} is hold` });
  assert.equal(byName.get(PINNED).held_back.reason, 'pinned');
  assert.match(byName.get(PINNED).held_back.detail, /candidate 1\.0-1 has priority 1001, 1\.1-1 has 500/);
  assert.deepEqual([byName.get(PINNED).current_version, byName.get(PINNED).available_version], ['1.0-1', '1.1-1']);
  assert.equal(byName.get(PHASED).held_back.reason, 'phased');
  assert.match(byName.get(PHASED).held_back.detail, /Phased-Update-Percentage: 0/);
  assert.equal(byName.get(HELLO).held_back, null);
  assert.equal(byName.get(SEC).held_back, null);
});

it('a dry run of everything plans only the free updates and names the held-back ones', async () => {
  const job = await agent.runJob('POST', '/patches/apply', { dry_run: true });
  assert.equal(job.status, 'completed', JSON.stringify(job.error));
  assert.deepEqual(heldOf(job.held_back), [`${HELD} held`, `${PHASED} phased`, `${PINNED} pinned`]);
  const planned = job.plan.map((change: JobRecord) => change.name).sort();
  for (const name of [HELD, PINNED, PHASED]) assert.ok(!planned.includes(name), `${name} is not planned`);
});

it('naming the held-back packages applies only the free update and reports the others as kept back', async () => {
  const job = await agent.runJob('POST', '/patches/apply', { packages: [HELD, PINNED, PHASED, HELLO] });
  assert.equal(job.status, 'completed', JSON.stringify(job.error));
  assert.deepEqual(heldOf(job.held_back), [`${HELD} held`, `${PHASED} phased`, `${PINNED} pinned`]);
  assert.deepEqual(changeSummary(job), ['installed lpa-fixture-dep - > 1.0-1', `upgraded ${HELLO} 1.0-1 > 1.1-1`]);
  const installed = await agent.sandbox.dpkgQuery();
  for (const name of [HELD, PINNED, PHASED]) assert.equal(installed.get(name), '1.0-1', `${name} stays at 1.0-1`);
});

it('updating a held package alone completes with nothing changed and says why', async () => {
  const job = await agent.runJob('PUT', `/packages/${HELD}`);
  assert.equal(job.status, 'completed', JSON.stringify(job.error));
  assert.deepEqual(job.held_back, [{ name: HELD, reason: 'held', detail: `dpkg selection of ${HELD} is hold` }]);
  assert.deepEqual(job.changes, []);
  assert.equal((await agent.sandbox.dpkgQuery()).get(HELD), '1.0-1');
});

it('applying everything keeps the held-back packages where they are, and a beforeApply veto keeps the rest back as policy', async () => {
  const job = await agent.runJob('POST', '/patches/apply', {});
  // The policy plugin vetoes any plan that touches lpa-fixture-sec.
  assert.equal(job.status, 'failed');
  assert.equal(job.error.code, 'VETOED');
  assert.deepEqual(heldOf(job.held_back), [`${HELD} held`, `${PHASED} phased`, `${PINNED} pinned`, `${SEC} policy`]);
  assert.deepEqual(
    job.held_back.find((entry: JobRecord) => entry.name === SEC),
    { name: SEC, reason: 'policy', detail: 'beforeApply veto: no maintenance window for lpa-fixture-sec' },
  );
  assert.deepEqual(job.changes, []);
  const installed = await agent.sandbox.dpkgQuery();
  for (const name of [HELD, PINNED, PHASED, SEC]) assert.equal(installed.get(name), '1.0-1', `${name} stays at 1.0-1`);
});
