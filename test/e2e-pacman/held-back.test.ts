import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { after, before, it } from 'node:test';
import { DEP, HELLO } from '../support/sandbox/pacman.js';
import { hostPacmanState, type PacmanAgent, startPacmanAgent } from './support.js';

const hostUnchanged = hostPacmanState();
let agent: PacmanAgent;
let detail: string;
before(async () => {
  agent = await startPacmanAgent({ sandbox: { stage: 1, install: [HELLO] } });
  const { configFile } = agent.sandbox;
  const conf = await readFile(configFile, 'utf8');
  await writeFile(configFile, conf.replace('[options]\n', `[options]\nIgnorePkg = lpa-fixture-h*\n`));
  detail = `IgnorePkg = lpa-fixture-h* in ${configFile}`;
  await agent.sandbox.publish(2);
  await agent.sandbox.pacman(['-Syy']);
});
after(async () => {
  await agent?.stop();
  hostUnchanged();
});

it('GET /patches lists an IgnorePkg update as ignored, naming the pacman.conf line', async (t) => {
  const { json } = await agent.request('GET', '/patches');
  t.diagnostic(`/patches entry: ${JSON.stringify(json.data.patches[0])}`);
  assert.deepEqual(
    json.data.patches.map((p: { name: string; current_version: string; available_version: string; held_back: unknown }) => [
      p.name,
      p.current_version,
      p.available_version,
      p.held_back,
    ]),
    [[HELLO, '1.0-1', '1.1-1', { reason: 'ignored', detail }]],
  );
});

it('neither naming the ignored package nor applying everything upgrades it; the jobs say why', async () => {
  const named = await agent.runJob('POST', '/patches/apply', { packages: [HELLO] });
  assert.equal(named.status, 'completed', JSON.stringify(named.error));
  assert.deepEqual(named.held_back, [{ name: HELLO, reason: 'ignored', detail }]);
  assert.deepEqual(named.changes, []);

  const update = await agent.runJob('PUT', `/packages/${HELLO}`);
  assert.equal(update.status, 'completed', JSON.stringify(update.error));
  assert.deepEqual(update.held_back, [{ name: HELLO, reason: 'ignored', detail }]);

  const dryRun = await agent.runJob('POST', '/patches/apply', { dry_run: true });
  assert.deepEqual(dryRun.held_back, [{ name: HELLO, reason: 'ignored', detail }]);
  assert.deepEqual(dryRun.plan, []);

  const all = await agent.runJob('POST', '/patches/apply');
  assert.equal(all.status, 'completed', JSON.stringify(all.error));
  assert.deepEqual(all.held_back, [{ name: HELLO, reason: 'ignored', detail }]);
  assert.deepEqual(all.changes, []);
  const installed = await agent.sandbox.query();
  assert.equal(installed.get(HELLO), '1.0-1');
  assert.equal(installed.has(DEP), false);
});
