import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { assertNamesRefused } from '../support/e2e-agent.js';
import { HELLO, hostRpmUnchanged, type RpmAgent, startRpmAgent } from './support.js';

const hostUnchanged = hostRpmUnchanged();
let agent: RpmAgent;
before(async () => {
  agent = await startRpmAgent({ install: [`${HELLO}-1.0-1`] });
});
after(async () => {
  await agent?.stop();
  hostUnchanged();
});

it('option-injection, glob and shell names are refused with 400 and never reach dnf', async () => {
  const marker = join(agent.sandbox.dir, 'MARKER');
  const hostile = [
    `--setopt=reposdir=${agent.sandbox.dir}`,
    '-y',
    `--installroot=/`,
    'lpa-fixture-*',
    `$(touch ${marker})`,
    `${HELLO};touch ${marker}`,
    '../etc/passwd',
    '@core',
  ];
  const jobsBefore = (await agent.request('GET', '/jobs')).json.data.total;
  const dnfBefore = agent.dnfTrace();
  await assertNamesRefused(agent, hostile, { validName: HELLO });
  assert.equal((await agent.request('GET', '/jobs')).json.data.total, jobsBefore, 'a refused request created a job');
  // dnf logs every run on the root: unchanged logs mean no dnf process was started.
  assert.equal(agent.dnfTrace(), dnfBefore, 'dnf ran for a refused request');
  assert.equal(existsSync(marker), false, 'MARKER appeared');
  assert.equal((await agent.sandbox.installed()).get(HELLO), '1.0-1');
  // The trace is a real witness: it does change when dnf runs.
  const update = await agent.runJob('PUT', `/packages/${HELLO}`);
  assert.equal(update.status, 'completed', JSON.stringify(update.error));
  assert.notEqual(agent.dnfTrace(), dnfBefore);
  assert.equal(existsSync(marker), false, 'MARKER appeared');
});
