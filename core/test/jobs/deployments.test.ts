import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type {
  Deployment,
  DeploymentManager,
  DeploymentPlan,
  DeploymentState,
  InstalledPackage,
  OperationContext,
} from '../../src/index.js';
import { isLpaError, LpaError } from '../../src/index.js';
import { createHarness, type Harness, waitFor } from './harness.js';

const harnesses: Harness[] = [];
after(async () => {
  for (const h of harnesses) await h.cleanup();
});

const OLD: DeploymentState = { checksum: 'a'.repeat(64), version: '1.0', origin: 'os:prod' };
const NEW: DeploymentState = { checksum: 'b'.repeat(64), version: '1.1', origin: 'os:prod' };

/**
 * An atomic host in memory: two deployments, NEW pending over OLD booted. Its rollback waits for
 * `release()`, so the test can look at the agent while it runs.
 */
function fakeDeployments() {
  let order: DeploymentState[] = [NEW, OLD];
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const inventoryOf = (state: DeploymentState): InstalledPackage[] => [
    {
      name: 'os',
      version: state.version ?? state.checksum,
      architecture: null,
      status: 'installed',
      description: null,
      installed_size: null,
    },
    {
      name: 'hello',
      version: state === NEW ? '1.1' : '1.0',
      architecture: 'all',
      status: 'installed',
      description: null,
      installed_size: null,
    },
  ];
  const plan = (action: DeploymentPlan['action'], to: DeploymentState): DeploymentPlan => ({
    action,
    osname: 'os',
    from: order[0] ?? null,
    to,
    packages_compared: true,
    changes: [{ name: 'os', action: 'downgraded', from_version: order[0]?.version ?? null, to_version: to.version }],
  });
  const manager: DeploymentManager = {
    packageLayering: false,
    async list(): Promise<Deployment[]> {
      return order.map((state, index) => ({
        index,
        osname: 'os',
        ...state,
        booted: state === OLD,
        staged: false,
        pending: index === 0 && state !== OLD,
        pinned: false,
        timestamp: null,
      }));
    },
    async nextBootInventory() {
      return inventoryOf(order[0] as DeploymentState);
    },
    validateRef: (ref) => (/^[a-z]+(:[a-z/]+)?$/.test(ref) ? null : 'not a ref'),
    async planUpgrade() {
      return null;
    },
    async planRollback() {
      if (order.length < 2) throw new LpaError('LPA_ERR_CONFLICT', 'nothing earlier');
      return plan('rollback', order[1] as DeploymentState);
    },
    async planRebase(ref) {
      return plan('rebase', { ...NEW, origin: ref });
    },
    async planUndeploy() {
      return plan('undeploy', OLD);
    },
    async rollback(ctx: OperationContext) {
      await Promise.race([released, new Promise((_, reject) => ctx.signal.addEventListener('abort', reject))]);
      order = order.slice(1);
      return { output: 'rolled back' };
    },
    async rebase() {
      return { output: '' };
    },
    async undeploy() {
      return { output: '' };
    },
  };
  return { manager, release: () => release() };
}

test('a deployment rollback is a job that makes the agent exclusive, with changes measured on the next boot', async () => {
  const h = await createHarness({ db: { installed: { hello: '1.0' }, repo: { hello: ['1.0', '1.1'] } } });
  harnesses.push(h);
  const fake = fakeDeployments();
  Object.defineProperty(h.backend, 'deployments', { value: fake.manager });

  const job = await h.jobs.submit({ type: 'deployment_rollback', dry_run: false }, null);
  assert.equal(job.type, 'deployment_rollback');
  assert.deepEqual(h.jobs.exclusive()?.jobId, job.id, 'exclusive from acceptance');
  await assert.rejects(h.jobs.submit({ type: 'deployment_rollback', dry_run: false }, null), (error) =>
    isLpaError(error, 'LPA_ERR_ROLLBACK_IN_PROGRESS'),
  );
  await waitFor(() => h.jobs.get(job.id)?.status === 'running', 'the rollback to run');
  assert.equal(h.jobs.exclusive()?.jobId, job.id, 'exclusive while it runs');

  fake.release();
  await h.jobs.idle();
  const done = h.jobs.get(job.id);
  assert.equal(done?.status, 'completed', JSON.stringify(done?.error));
  assert.equal(h.jobs.exclusive(), null);
  assert.deepEqual(
    done?.changes.map((c) => `${c.action} ${c.name} ${c.from_version} > ${c.to_version}`),
    ['downgraded hello 1.1 > 1.0', 'downgraded os 1.1 > 1.0'],
  );
  assert.equal(h.audit.records.filter((r) => r.event === 'job_intent').length, 1, 'the refused second rollback wrote no intent');
});

test('without package layering, package jobs are refused NOT_SUPPORTED before a job or an intent exists; bad refs are VALIDATION_ERROR', async () => {
  const h = await createHarness({ db: { installed: { hello: '1.0' }, repo: { hello: ['1.0', '1.1'] } } });
  harnesses.push(h);
  Object.defineProperty(h.backend, 'deployments', { value: fakeDeployments().manager });
  for (const request of [
    { type: 'package_install' as const, packages: [{ name: 'hello' }] },
    { type: 'package_update' as const, name: 'hello' },
    { type: 'package_remove' as const, name: 'hello' },
  ]) {
    await assert.rejects(h.jobs.submit(request, null), (error) => isLpaError(error, 'LPA_ERR_NOT_SUPPORTED'));
  }
  await assert.rejects(h.jobs.submit({ type: 'deployment_rebase', ref: '--repo=/', dry_run: false }, null), (error) =>
    isLpaError(error, 'LPA_ERR_VALIDATION'),
  );
  assert.deepEqual(h.jobs.list(), []);
  assert.equal(h.audit.records.filter((r) => r.event === 'job_intent').length, 0);
});

test('a backend without deployments refuses deployment jobs NOT_SUPPORTED and keeps package jobs', async () => {
  const h = await createHarness({ db: { installed: { hello: '1.0' }, repo: { hello: ['1.0', '1.1'] } } });
  harnesses.push(h);
  for (const request of [
    { type: 'deployment_rollback' as const, dry_run: false },
    { type: 'deployment_rebase' as const, ref: 'os:dev', dry_run: false },
    { type: 'deployment_undeploy' as const, index: 0, dry_run: false },
  ]) {
    await assert.rejects(h.jobs.submit(request, null), (error) => isLpaError(error, 'LPA_ERR_NOT_SUPPORTED'));
  }
  assert.equal(h.jobs.exclusive(), null, 'a refused rollback leaves the agent open');
  const install = await h.jobs.submit({ type: 'package_install', packages: [{ name: 'hello', version: '1.1' }] }, null);
  await h.jobs.idle();
  assert.equal(h.jobs.get(install.id)?.status, 'completed');
});
