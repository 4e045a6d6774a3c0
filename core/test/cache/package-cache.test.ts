import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { PackageCache } from '../../src/cache/package-cache.js';
import type { CacheRefreshOutcome } from '../../src/hooks.js';
import { createHarness, type Harness, silentLogger } from '../jobs/harness.js';

const harnesses: Harness[] = [];
after(async () => {
  await Promise.all(harnesses.map((h) => h.cleanup()));
});
async function harness(...args: Parameters<typeof createHarness>) {
  const h = await createHarness(...args);
  harnesses.push(h);
  return h;
}

function reopen(h: Harness): PackageCache {
  return new PackageCache({
    stateDir: h.stateDir,
    backend: () => h.backend,
    lock: h.lock,
    hooks: h.hooks,
    logger: silentLogger,
    lockWaitSeconds: () => 1,
    now: () => new Date(Date.now() + h.clock.offsetMs),
  });
}

test('a never-refreshed cache is unknown; a refresh is persisted atomically and loaded at start', async () => {
  const h = await harness();
  await rm(join(h.stateDir, 'state'), { recursive: true, force: true });
  assert.equal(h.cache.status(), 'unknown');
  const outcome = await h.cache.refresh('test');
  assert.equal(outcome.success, true);
  assert.equal(h.cache.status(), 'fresh');
  const saved = JSON.parse(await readFile(join(h.stateDir, 'state', 'cache.json'), 'utf8'));
  assert.deepEqual(Object.keys(saved).sort(), ['last_cache_update', 'last_update_success']);
  assert.equal(saved.last_update_success, true);
  const restarted = reopen(h);
  assert.equal(restarted.status(), 'unknown', 'before load');
  await restarted.load();
  assert.deepEqual(restarted.state(), h.cache.state());
  assert.equal(restarted.status(), 'fresh');
});

test('the cache is stale after 4 hours', async () => {
  const h = await harness();
  await h.cache.refresh('test');
  h.clock.offsetMs = 4 * 3600_000 - 1000;
  assert.equal(h.cache.status(), 'fresh');
  h.clock.offsetMs = 4 * 3600_000 + 1000;
  assert.equal(h.cache.status(), 'stale');
});

test('health refreshes a never-refreshed or stale cache; success is fresh', async () => {
  const h = await harness();
  assert.deepEqual(await h.cache.health().then((health) => health.cache_status), 'fresh');
  assert.equal((await h.pm.read()).counters?.refresh, 1);
  assert.equal((await h.cache.health()).cache_status, 'fresh');
  assert.equal((await h.pm.read()).counters?.refresh, 1, 'a fresh cache is not refreshed again');
  h.clock.offsetMs = 5 * 3600_000;
  const health = await h.cache.health();
  assert.equal(health.cache_status, 'fresh');
  assert.equal((await h.pm.read()).counters?.refresh, 2);
  assert.equal(health.last_cache_update, h.cache.state().last_cache_update);
});

test('health: a failed refresh is failed, keeping the last successful time', async () => {
  const h = await harness();
  await h.cache.refresh('test');
  const lastGood = h.cache.state().last_cache_update;
  await h.pm.setBehaviour({ refreshFailures: 1 });
  h.clock.offsetMs = 5 * 3600_000;
  const health = await h.cache.health();
  assert.equal(health.cache_status, 'failed');
  assert.equal(health.last_cache_update, lastGood);
  assert.equal(h.cache.state().last_update_success, false);
});

test('health retries a failed refresh, but not more often than every 5 minutes', async () => {
  const h = await harness({ db: { behaviour: { refreshFailures: 1 } } });
  assert.equal((await h.cache.health()).cache_status, 'failed');
  assert.equal((await h.cache.health()).cache_status, 'failed', 'no immediate retry');
  assert.equal((await h.pm.read()).counters?.refresh, 1);
  h.clock.offsetMs = 5 * 60_000 + 1000;
  assert.equal((await h.cache.health()).cache_status, 'fresh');
  assert.equal((await h.pm.read()).counters?.refresh, 2);
});

test('concurrent refresh requests share one refresh', async () => {
  const h = await harness({ db: { behaviour: { refreshSleepMs: 400 } } });
  const outcomes = await Promise.all([h.cache.refresh('a'), h.cache.refresh('b'), h.cache.health(), h.cache.refresh('c')]);
  assert.equal((await h.pm.read()).counters?.refresh, 1);
  assert.equal((outcomes[0] as CacheRefreshOutcome).finished_at, (outcomes[3] as CacheRefreshOutcome).finished_at);
  await h.cache.refresh('later');
  assert.equal((await h.pm.read()).counters?.refresh, 2, 'a later request starts a new refresh');
});

test('a refresh that outlives its timeout is stopped and counts as failed', async () => {
  const h = await harness({ refreshTimeoutMs: 1000, db: { behaviour: { refreshSleepMs: 30_000 } } });
  const outcome = await h.cache.refresh('test');
  assert.equal(outcome.success, false);
  assert.equal(h.cache.status(), 'failed');
  const events = await h.pm.events();
  assert.deepEqual(
    events.filter((event) => event.startsWith('end')),
    [],
    'the refresh was stopped before it finished',
  );
  assert.equal((await h.pm.read()).counters?.refresh, undefined);
});

test('close() stops a refresh under way and nothing is persisted after it', async () => {
  const h = await harness({ db: { behaviour: { refreshSleepMs: 30_000 } } });
  await rm(join(h.stateDir, 'state'), { recursive: true, force: true });
  const refreshing = h.cache.refresh('health');
  for (let i = 0; i < 400 && !(await h.pm.events()).some((event) => event.startsWith('start')); i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  await h.cache.close();
  const outcome = await refreshing;
  assert.equal(outcome.success, false);
  assert.equal(outcome.error, 'the agent is stopping');
  await assert.rejects(readFile(join(h.stateDir, 'state', 'cache.json'), 'utf8'), { code: 'ENOENT' });
  assert.equal(h.cache.status(), 'unknown', 'a stopped refresh is not an outcome');
  assert.equal((await h.cache.refresh('after-stop')).success, false, 'no refresh starts once closed');
  assert.equal((await h.pm.read()).counters?.refresh, undefined);
});

test('the cacheRefresh hook runs after every refresh with its outcome', async () => {
  const h = await harness();
  const seen: CacheRefreshOutcome[] = [];
  h.hooks.cacheRefresh.tapPromise('recorder', async (outcome) => {
    seen.push(outcome);
  });
  h.hooks.cacheRefresh.tapPromise('broken', async () => {
    throw new Error('tap broke');
  });
  await h.cache.refresh('one');
  await h.pm.setBehaviour({ refreshFailures: 1 });
  await h.cache.refresh('two');
  assert.deepEqual(
    seen.map((outcome) => [outcome.trigger, outcome.success]),
    [
      ['one', true],
      ['two', false],
    ],
  );
  assert.match(seen[1]?.error ?? '', /fake-pm|fetch|download/i);
});

test('a refresh never overlaps a mutation, and a lock holder can refresh without deadlock', async () => {
  const h = await harness();
  let releaseLock!: () => void;
  const held = h.lock.run(
    () =>
      new Promise<void>((resolve) => {
        releaseLock = resolve;
      }),
  );
  const waiting = h.cache.refresh('health');
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal((await h.pm.read()).counters?.refresh, undefined, 'the refresh waits for the lock');
  // The lock holder (a patch_apply retrying) refreshes itself and settles the waiting caller too.
  const own = await h.cache.refresh('retry', { lockHeld: true });
  assert.equal(own.success, true);
  assert.equal(await waiting, own);
  releaseLock();
  await held;
  await h.lock.run(async () => {});
  assert.equal((await h.pm.read()).counters?.refresh, 1, 'the waiting refresh did not run a second time');
});
