import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { changeSummary, HELLO, hostRpmUnchanged, type RpmAgent, SEC, startRpmAgent, versions } from './support.js';

const hostUnchanged = hostRpmUnchanged();
let agent: RpmAgent;
before(async () => {
  agent = await startRpmAgent({ install: [`${HELLO}-1.0-1`, `${SEC}-1.0-1`] });
});
after(async () => {
  await agent?.stop();
  hostUnchanged();
});

it('a dry run plans without changing anything; security_only applies only the advisory update', async () => {
  const dry = await agent.runJob('POST', '/patches/apply', { security_only: true, dry_run: true });
  assert.equal(dry.status, 'completed', JSON.stringify(dry.error));
  assert.deepEqual(dry.plan, [{ name: SEC, action: 'upgraded', from_version: '1.0-1', to_version: '1.1-1' }]);
  assert.deepEqual(dry.changes, []);
  assert.deepEqual(versions(await agent.sandbox.installed()), { [HELLO]: '1.0-1', [SEC]: '1.0-1' });

  const apply = await agent.runJob('POST', '/patches/apply', { security_only: true });
  assert.equal(apply.status, 'completed', JSON.stringify(apply.error));
  assert.deepEqual(changeSummary(apply), [`upgraded ${SEC} 1.0-1 > 1.1-1`]);
  assert.deepEqual(versions(await agent.sandbox.installed()), { [HELLO]: '1.0-1', [SEC]: '1.1-1' });

  const left = await agent.request('GET', '/patches');
  assert.deepEqual(
    left.json.data.patches.map((p: { name: string; security: boolean | null }) => `${p.name}:${p.security}`),
    [`${HELLO}:false`],
  );
});
