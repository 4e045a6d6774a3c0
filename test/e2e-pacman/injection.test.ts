import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { assertNamesRefused } from '../support/e2e-agent.js';
import { HELLO } from '../support/sandbox/pacman.js';
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

it('option-injection, repository-syntax and shell names are refused with 400 and never reach pacman', async () => {
  const marker = join(agent.sandbox.dir, 'MARKER');
  const hostile = [
    '--config=/etc/pacman.conf',
    '-Rdd',
    '--overwrite=*',
    `--hookdir=${agent.sandbox.dir}`,
    'fixtures/lpa-fixture-hello',
    `$(touch ${marker})`,
    `${HELLO};touch ${marker}`,
    'Lpa-Fixture-Hello',
    '.hidden',
    `${HELLO}>=1.0`,
  ];
  const logBefore = await agent.pacmanLog();
  const jobsBefore = (await agent.request('GET', '/jobs')).json.data.total;
  await assertNamesRefused(agent, hostile, { validName: HELLO, pinnedUpdate: true });
  assert.equal((await agent.request('GET', '/jobs')).json.data.total, jobsBefore, 'a refused request created a job');
  assert.equal(await agent.pacmanLog(), logBefore, 'pacman ran on the root');
  assert.equal(existsSync(marker), false, 'MARKER appeared');
  assert.deepEqual(versions(await agent.sandbox.query()), { [HELLO]: '1.0-1' });
});
