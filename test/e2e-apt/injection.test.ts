import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { assertNamesRefused } from '../support/e2e-agent.js';
import { HELLO } from '../support/sandbox/apt.js';
import { type AptAgent, hostPackageState, startAptAgent, versions } from './support.js';

const hostUnchanged = hostPackageState();
let agent: AptAgent;
before(async () => {
  agent = await startAptAgent({ sandbox: { install: [`${HELLO}=1.0-1`] } });
});
after(async () => {
  await agent?.stop();
  hostUnchanged();
});

it('option-injection and apt-syntax names are refused with 400 and never reach apt', async () => {
  const marker = join(agent.sandbox.dir, 'MARKER');
  const hostile = [`-oAPT::Update::Pre-Invoke::=touch ${marker}`, 'foo+', '*', `$(touch ${marker})`, `${HELLO}-`, 'x/stable'];
  const jobsBefore = (await agent.request('GET', '/jobs')).json.data.total;
  await assertNamesRefused(agent, hostile, { validName: HELLO });
  assert.equal((await agent.request('GET', '/jobs')).json.data.total, jobsBefore, 'a refused request created a job');

  // A real apply refreshes the lists first: an injected APT::Update::Pre-Invoke would run here.
  const apply = await agent.runJob('POST', '/patches/apply');
  assert.equal(apply.status, 'completed', JSON.stringify(apply.error));
  assert.equal(existsSync(marker), false, 'MARKER appeared');
  assert.equal((await agent.sandbox.dpkgQuery()).get(HELLO), '1.1-1');
  assert.deepEqual(Object.keys(versions(await agent.sandbox.dpkgQuery())).sort(), ['lpa-fixture-dep', HELLO]);
});
