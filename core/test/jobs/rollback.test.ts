import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { PackageManagerBackend, RollbackFiles, RollbackPlan } from '../../src/contracts/backend.js';
import { isLpaError } from '../../src/errors.js';
import { inverseOf } from '../../src/jobs/rollback.js';
import { createHarness, type Harness, waitFor } from './harness.js';

const harnesses: Harness[] = [];
after(async () => {
  await Promise.all(harnesses.map((h) => h.cleanup()));
});
async function harness(...args: Parameters<typeof createHarness>) {
  const h = await createHarness(...args);
  harnesses.push(h);
  return h;
}

const db = {
  installed: { hello: '1.1', old: '3.0', tool: '2.0' },
  repo: { hello: ['1.0', '1.1'], old: ['3.0'], tool: ['2.0', '2.1'], dep: ['1.0'] },
};

test('inverseOf: installed → remove; removed, upgraded, downgraded → install at from_version', () => {
  assert.deepEqual(
    inverseOf([
      { name: 'a', action: 'installed', from_version: null, to_version: '1' },
      { name: 'b', action: 'removed', from_version: '2', to_version: null },
      { name: 'c', action: 'upgraded', from_version: '3', to_version: '4' },
      { name: 'd', action: 'downgraded', from_version: '6', to_version: '5' },
    ]),
    {
      remove: ['a'],
      install: [
        { name: 'b', version: '2' },
        { name: 'c', version: '3' },
        { name: 'd', version: '6' },
      ],
    },
  );
});

test('a rollback inverts the measured changes and restores the installed set', async () => {
  const h = await harness({ db });
  const client = { cn: 'admin', serial: '01', fingerprint256: 'AA' };
  const install = await h.jobs.submit(
    { type: 'package_install', packages: [{ name: 'dep' }, { name: 'hello', version: '1.0' }] },
    client,
  );
  await h.jobs.idle();
  const remove = await h.jobs.submit({ type: 'package_remove', name: 'old' }, client);
  const update = await h.jobs.submit({ type: 'package_update', name: 'tool' }, client);
  await h.jobs.idle();
  assert.deepEqual((await h.pm.read()).installed, { hello: '1.0', tool: '2.1', dep: '1.0' });

  for (const original of [update, remove, install]) {
    const rollback = await h.jobs.rollback(original.id, client);
    assert.equal(rollback.type, 'rollback');
    assert.equal(rollback.rollback_of, original.id);
    assert.equal(rollback.status, 'pending');
    assert.equal(h.jobs.get(original.id)?.rolled_back_by, rollback.id);
    await h.jobs.idle();
    const done = h.jobs.get(rollback.id);
    assert.equal(done?.status, 'completed', JSON.stringify(done?.error));
  }
  assert.deepEqual((await h.pm.read()).installed, db.installed);
  const intents = h.audit.records.filter((record) => record.event === 'job_intent' && record.type === 'rollback');
  assert.deepEqual(intents[0]?.install, [{ name: 'tool', version: '2.0' }]);
});

test('a job is rolled back at most once; a rollback cannot be rolled back; only finished jobs', async () => {
  const h = await harness({ db: { ...db, behaviour: { sleepMs: 300 } } });
  const install = await h.jobs.submit({ type: 'package_install', packages: [{ name: 'dep' }] }, null);
  await assert.rejects(
    h.jobs.rollback(install.id, null),
    (error) => isLpaError(error, 'LPA_ERR_CONFLICT') && error.status === 409,
  );
  await h.jobs.idle();
  const rollback = await h.jobs.rollback(install.id, null);
  await assert.rejects(h.jobs.rollback(install.id, null), (error) => isLpaError(error, 'LPA_ERR_CONFLICT'));
  await h.jobs.idle();
  await assert.rejects(
    h.jobs.rollback(install.id, null),
    (error) => isLpaError(error, 'LPA_ERR_CONFLICT') && /already rolled back/.test(error.message),
  );
  await assert.rejects(
    h.jobs.rollback(rollback.id, null),
    (error) => isLpaError(error, 'LPA_ERR_CONFLICT') && /cannot be rolled back/.test(error.message),
  );
  await assert.rejects(h.jobs.rollback('00000000-0000-4000-8000-000000000000', null), (error) =>
    isLpaError(error, 'LPA_ERR_NOT_FOUND'),
  );
});

test('a job that changed nothing has nothing to roll back', async () => {
  const h = await harness({ db });
  const dry = await h.jobs.submit({ type: 'patch_apply', packages: null, security_only: false, dry_run: true }, null);
  await h.jobs.idle();
  await assert.rejects(
    h.jobs.rollback(dry.id, null),
    (error) => isLpaError(error, 'LPA_ERR_CONFLICT') && /nothing to roll back/.test(error.message),
  );
});

test('the agent is exclusive from the acceptance of a rollback until it ends', async () => {
  const h = await harness({ db });
  const install = await h.jobs.submit({ type: 'package_install', packages: [{ name: 'dep' }] }, null);
  await h.jobs.idle();
  await h.pm.setBehaviour({ sleepMs: 500 });
  assert.equal(h.jobs.exclusive(), null);
  const rollback = await h.jobs.rollback(install.id, null);
  assert.deepEqual(h.jobs.exclusive(), { jobId: rollback.id, retryAfterSeconds: 10 });
  await waitFor(() => h.jobs.get(rollback.id)?.status === 'running', 'the rollback to run');
  assert.notEqual(h.jobs.exclusive(), null);
  await h.jobs.idle();
  assert.equal(h.jobs.exclusive(), null);
});

test('a refused intent record leaves the original job rollback-able and the agent not exclusive', async () => {
  const h = await harness({ db });
  const install = await h.jobs.submit({ type: 'package_install', packages: [{ name: 'dep' }] }, null);
  await h.jobs.idle();
  h.audit.failDurable = true;
  await assert.rejects(h.jobs.rollback(install.id, null), (error) => isLpaError(error, 'LPA_ERR_AUDIT_UNAVAILABLE'));
  assert.equal(h.jobs.get(install.id)?.rolled_back_by, null);
  assert.equal(h.jobs.exclusive(), null);
  assert.equal(h.jobs.list({ type: 'rollback' }).length, 0);
  h.audit.failDurable = false;
  await h.jobs.rollback(install.id, null);
  await h.jobs.idle();
  assert.deepEqual((await h.pm.read()).installed, db.installed);
});

test('a backend with its own rollback order gets the whole inverse plan instead of remove-then-install', async () => {
  const h = await harness({ db });
  const install = await h.jobs.submit(
    { type: 'package_install', packages: [{ name: 'dep' }, { name: 'tool', version: '2.1' }] },
    null,
  );
  await h.jobs.idle();
  const plans: RollbackPlan[] = [];
  const backend = h.backend as PackageManagerBackend;
  backend.rollback = async (plan, ctx) => {
    plans.push(plan);
    // Reinstall first, then remove: the order a package manager like apk needs.
    const reinstalled = await backend.install(plan.install, ctx);
    const removed = await backend.remove(plan.remove, ctx);
    return { output: `${reinstalled.output}${removed.output}` };
  };
  try {
    const rollback = await h.jobs.rollback(install.id, null);
    await h.jobs.idle();
    assert.equal(h.jobs.get(rollback.id)?.status, 'completed');
    assert.deepEqual(plans, [{ remove: ['dep'], install: [{ name: 'tool', version: '2.0' }] }]);
    assert.deepEqual((await h.pm.read()).installed, db.installed);
  } finally {
    delete backend.rollback;
  }
});

test("a backend with its own rollback order gets the rollback store's kept files for the versions it reinstalls", async () => {
  const h = await harness({ db, rollbackStore: true });
  const backend = h.backend as { -readonly [K in keyof PackageManagerBackend]: PackageManagerBackend[K] };
  const plans: RollbackPlan[] = [];
  const files: RollbackFiles = {
    async obtainInstalled(pkg, directory) {
      const path = join(directory, `${pkg.name}-${pkg.version}.pkg`);
      await writeFile(path, `${pkg.name} ${pkg.version}`);
      return { path, via: 'cache' };
    },
    availability: async () => 'none',
    installFiles: async () => assert.fail('a backend with its own rollback installs the files itself'),
  };
  backend.rollbackFiles = files;
  backend.rollback = async (plan, ctx) => {
    plans.push(plan);
    const reinstalled = await backend.install(plan.install, ctx);
    const removed = await backend.remove(plan.remove, ctx);
    return { output: `${reinstalled.output}${removed.output}` };
  };
  try {
    const update = await h.jobs.submit({ type: 'package_update', name: 'tool' }, null);
    await h.jobs.idle();
    assert.equal(h.jobs.get(update.id)?.status, 'completed');
    const rollback = await h.jobs.rollback(update.id, null);
    await h.jobs.idle();
    assert.equal(h.jobs.get(rollback.id)?.status, 'completed');
    assert.equal(plans.length, 1);
    const file = plans[0]?.files?.tool;
    assert.ok(file?.startsWith(join(h.stateDir, 'rollback-store')), JSON.stringify(plans));
    assert.ok(file !== undefined);
    assert.equal(await readFile(file, 'utf8'), 'tool 2.0');
    assert.deepEqual(plans[0]?.install, [{ name: 'tool', version: '2.0' }]);
  } finally {
    delete backend.rollback;
    delete backend.rollbackFiles;
  }
});
