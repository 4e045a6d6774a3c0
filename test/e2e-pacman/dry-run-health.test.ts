import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { DEP, HELLO } from '../support/sandbox/pacman.js';
import { hostPacmanState, type PacmanAgent, startPacmanAgent, versions } from './support.js';

const hostUnchanged = hostPacmanState();
let agent: PacmanAgent;
before(async () => {
  agent = await startPacmanAgent({ sandbox: { stage: 1, install: [HELLO] } });
});
after(async () => {
  await agent?.stop();
  hostUnchanged();
});

it('GET /health refreshes a never-refreshed cache with pacman -Syy and reports it fresh', async () => {
  const logBefore = await agent.pacmanLog();
  const health = await agent.request('GET', '/health');
  assert.equal(health.status, 200, health.text);
  assert.equal(health.json.data.status, 'healthy');
  assert.equal(health.json.data.cache_status, 'fresh');
  assert.ok(health.json.data.last_cache_update, 'last_cache_update is set');
  assert.match((await agent.pacmanLog()).slice(logBefore.length), /Running '\/usr\/bin\/pacman .* -Syy'/);
});

it('a dry-run apply refreshes, plans the whole -Su (new dependency included) and changes nothing', async () => {
  await agent.sandbox.publish(2);
  const dryRun = await agent.runJob('POST', '/patches/apply', { dry_run: true });
  assert.equal(dryRun.status, 'completed', JSON.stringify(dryRun.error));
  assert.deepEqual(
    (dryRun.plan as { name: string; action: string; from_version: string | null; to_version: string }[])
      .map((change) => `${change.action} ${change.name} ${change.from_version ?? '-'} > ${change.to_version}`)
      .sort(),
    [`installed ${DEP} - > 1.0-1`, `upgraded ${HELLO} 1.0-1 > 1.1-1`],
  );
  assert.deepEqual(dryRun.changes, []);
  assert.deepEqual(versions(await agent.sandbox.query()), { [HELLO]: '1.0-1' });
});
