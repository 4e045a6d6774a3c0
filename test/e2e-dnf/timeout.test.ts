import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { SLOW } from '../support/sandbox/dnf.js';
import { changeSummary, hostRpmUnchanged, type RpmAgent, SEC, startRpmAgent } from './support.js';

const hostUnchanged = hostRpmUnchanged();
let agent: RpmAgent;
before(async () => {
  agent = await startRpmAgent({ install: [`${SEC}-1.0-1`], config: { jobs: { timeout_seconds: 3 } } });
});
after(async () => {
  await agent?.stop();
  hostUnchanged();
});

it('a job past its timeout is stopped (timed_out), its changes say what happened, and the next job runs', async () => {
  // The slow package's %post never returns within the job timeout.
  const job = await agent.runJob('POST', '/packages', { packages: [{ name: SLOW }] });
  assert.equal(job.status, 'timed_out', JSON.stringify(job.error));
  const installed = await agent.sandbox.installed();
  // Whether rpm got as far as recording the package depends on how far dnf came in 3 s; the job's
  // changes must match the database either way.
  assert.deepEqual(changeSummary(job), installed.has(SLOW) ? [`installed ${SLOW} - > 1.0-1`] : []);

  const next = await agent.runJob('PUT', `/packages/${SEC}`);
  assert.equal(next.status, 'completed', JSON.stringify(next.error));
  assert.equal((await agent.sandbox.installed()).get(SEC), '1.1-1');
});
