import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { DEP, HELLO, SEC } from '../support/sandbox/apt.js';
import { type AptAgent, hostPackageState, startAptAgent, versions } from './support.js';

const hostUnchanged = hostPackageState();
let agent: AptAgent;
before(async () => {
  agent = await startAptAgent({ sandbox: { install: [`${HELLO}=1.0-1`, `${SEC}=1.0-1`] } });
});
after(async () => {
  await agent?.stop();
  hostUnchanged();
});

it('a dry run plans the upgrade and changes nothing', async () => {
  const before = await agent.sandbox.dpkgQuery();
  const job = await agent.runJob('POST', '/patches/apply', { dry_run: true });
  assert.equal(job.status, 'completed', JSON.stringify(job.error));
  assert.deepEqual(job.changes, []);
  assert.deepEqual(
    (job.plan as { name: string; action: string; to_version: string }[])
      .map((c) => `${c.action} ${c.name} ${c.to_version}`)
      .sort(),
    [`installed ${DEP} 1.0-1`, `upgraded ${HELLO} 1.1-1`, `upgraded ${SEC} 1.1-1`],
  );
  // The predicted rollback: the versions the apply would replace, kept in the store before it runs.
  assert.deepEqual(job.rollback, {
    possible: true,
    reason: null,
    packages: [
      { name: HELLO, version: '1.0-1', source: 'store' },
      { name: SEC, version: '1.0-1', source: 'store' },
    ],
  });
  assert.deepEqual(versions(await agent.sandbox.dpkgQuery()), versions(before));
  const patches = await agent.request('GET', '/patches');
  assert.equal(patches.json.data.total, 2);
});
