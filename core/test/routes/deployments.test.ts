import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type RouteAgent, startRouteAgent } from './route-agent.js';

let a: RouteAgent;
before(async () => {
  a = await startRouteAgent({ db: { installed: { hello: '1.0' }, repo: { hello: ['1.0', '1.1'] } } });
});
after(() => a.stop());

test('every /deployments endpoint is served, and a backend without deployments answers 409 NOT_SUPPORTED with no job', async () => {
  const attempts = [
    await a.call('GET', '/deployments'),
    await a.call('POST', '/deployments', { ref: 'remote:os/x86_64/prod' }),
    await a.call('POST', '/deployments/rollback'),
    await a.call('DELETE', '/deployments/0'),
  ];
  for (const res of attempts) {
    assert.equal(res.status, 409, res.text);
    assert.equal(res.json.error.code, 'NOT_SUPPORTED');
    assert.match(res.json.error.message, /does not manage deployments/);
  }
  assert.equal((await a.call('GET', '/jobs')).json.data.total, 0, 'no job was created');
  assert.deepEqual((await a.pm.read()).installed, { hello: '1.0' });
});

test('/deployments bodies and parameters are validated before the backend is asked', async () => {
  const unknownField = await a.call('POST', '/deployments', { ref: 'x', force: true });
  assert.equal(unknownField.status, 400, unknownField.text);
  assert.equal((await a.call('POST', '/deployments', {})).status, 400);
  assert.equal((await a.call('DELETE', '/deployments/first')).status, 400);
  assert.equal((await a.call('DELETE', '/deployments/0?force=true')).status, 400);
});
