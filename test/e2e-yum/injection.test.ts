import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { HELLO, hostRpmUnchanged, type RpmAgent, startRpmAgent } from '../e2e-dnf/support.js';

const hostUnchanged = hostRpmUnchanged();
let agent: RpmAgent;
before(async () => {
  agent = await startRpmAgent({ flavour: 'yum', install: [`${HELLO}-1.0-1`] });
});
after(async () => {
  await agent?.stop();
  hostUnchanged();
});

it('through the yum plugin: option-like and glob names are refused with 400 and yum never runs', async () => {
  const dnfBefore = agent.dnfTrace();
  for (const name of ['--setopt=tsflags=noscripts', '-C', 'lpa-fixture-*', '`id`', 'a b']) {
    for (const res of [
      await agent.request('POST', '/packages', { packages: [{ name }] }),
      await agent.request('DELETE', `/packages/${encodeURIComponent(name)}`),
      await agent.request('POST', '/patches/apply', { packages: [name] }),
    ]) {
      assert.equal(res.status, 400, `${JSON.stringify(name)}: ${res.status} ${res.text}`);
      assert.equal(res.json.error.code, 'VALIDATION_ERROR');
    }
  }
  assert.equal(agent.dnfTrace(), dnfBefore, 'yum (dnf) ran for a refused request');
  const update = await agent.runJob('PUT', `/packages/${HELLO}`);
  assert.equal(update.status, 'completed', JSON.stringify(update.error));
  assert.notEqual(agent.dnfTrace(), dnfBefore, 'the trace does change when yum really runs');
});
