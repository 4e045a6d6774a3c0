import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { HELLO, SEC } from '../support/sandbox/apt.js';
import { type AptAgent, changeSummary, hostPackageState, startAptAgent, versions } from './support.js';

const hostUnchanged = hostPackageState();
let agent: AptAgent;
before(async () => {
  agent = await startAptAgent({ sandbox: { install: [`${HELLO}=1.0-1`, `${SEC}=1.0-1`] } });
});
after(async () => {
  await agent?.stop();
  hostUnchanged();
});

it('a security-only apply upgrades only the package from the security archive', async () => {
  const job = await agent.runJob('POST', '/patches/apply', { security_only: true });
  assert.equal(job.status, 'completed', JSON.stringify(job.error));
  assert.deepEqual(changeSummary(job), [`upgraded ${SEC} 1.0-1 > 1.1-1`]);
  assert.deepEqual(versions(await agent.sandbox.dpkgQuery()), { [HELLO]: '1.0-1', [SEC]: '1.1-1' });
  const left = await agent.request('GET', '/patches');
  assert.deepEqual(
    left.json.data.patches.map((p: { name: string }) => p.name),
    [HELLO],
  );
});
