import assert from 'node:assert/strict';
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { SECURITY_ADVISORY } from '../support/sandbox/dnf.js';
import { changeSummary, DEP, HELLO, hostRpmUnchanged, type JobRecord, type RpmAgent, SEC, startRpmAgent } from './support.js';

const hostUnchanged = hostRpmUnchanged();
let agent: RpmAgent;
let detail: string;
before(async () => {
  agent = await startRpmAgent({ install: [`${HELLO}-1.0-1`, `${SEC}-1.0-1`] });
  const conf = join(agent.sandbox.root, 'etc/dnf/dnf.conf');
  await appendFile(conf, 'excludepkgs=lpa-fixture-s*\n');
  detail = `excludepkgs=lpa-fixture-s* in [main] of ${conf}`;
});
after(async () => {
  await agent?.stop();
  hostUnchanged();
});

it('GET /patches lists an update excludepkgs hides as ignored, with its advisory, and the others with null', async () => {
  const { json } = await agent.request('GET', '/patches');
  const byName = new Map<string, JobRecord>(json.data.patches.map((patch: JobRecord) => [patch.name, patch]));
  assert.deepEqual([...byName.keys()], [HELLO, SEC]);
  assert.deepEqual(byName.get(SEC).held_back, { reason: 'ignored', detail });
  assert.equal(byName.get(SEC).security, true);
  assert.equal(byName.get(SEC).severity, SECURITY_ADVISORY.severity);
  assert.equal(byName.get(HELLO).held_back, null);
});

it('an excluded package named in an apply or an update is kept back, not failed on, and the rest applies', async () => {
  const update = await agent.runJob('PUT', `/packages/${SEC}`);
  assert.equal(update.status, 'completed', JSON.stringify(update.error));
  assert.deepEqual(update.held_back, [{ name: SEC, reason: 'ignored', detail }]);
  assert.deepEqual(update.changes, []);

  const dryRun = await agent.runJob('POST', '/patches/apply', { dry_run: true });
  assert.deepEqual(dryRun.held_back, [{ name: SEC, reason: 'ignored', detail }]);
  assert.ok(!dryRun.plan.some((change: JobRecord) => change.name === SEC));

  const named = await agent.runJob('POST', '/patches/apply', { packages: [SEC, HELLO] });
  assert.equal(named.status, 'completed', JSON.stringify(named.error));
  assert.deepEqual(named.held_back, [{ name: SEC, reason: 'ignored', detail }]);
  assert.deepEqual(changeSummary(named), [`installed ${DEP} - > 1.0-1`, `upgraded ${HELLO} 1.0-1 > 1.1-1`]);

  const all = await agent.runJob('POST', '/patches/apply', { security_only: true });
  assert.equal(all.status, 'completed', JSON.stringify(all.error));
  assert.deepEqual(all.held_back, [{ name: SEC, reason: 'ignored', detail }]);
  assert.deepEqual(all.changes, []);
  assert.equal((await agent.sandbox.installed()).get(SEC), '1.0-1');
});
