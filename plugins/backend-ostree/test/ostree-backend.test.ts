import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { createOperationContext, createProcessRunner, silentLogger } from '@linux-patch-api/core/testing';
import {
  COMMITS,
  createOstreeSandbox,
  DEP,
  DEV,
  HELLO,
  OSNAME,
  type OstreeSandbox,
  PROD,
  REMOTE,
} from '../../../test/support/sandbox/ostree.js';
import { ostreeBackendDefinition } from '../src/definition.js';
import type { OstreeBackend } from '../src/ostree-backend.js';

let sandbox: OstreeSandbox;
let backend: OstreeBackend;
before(async () => {
  sandbox = await createOstreeSandbox();
  backend = (await ostreeBackendDefinition.create({
    root: sandbox.root,
    runner: createProcessRunner(),
    logger: silentLogger,
    stateDir: sandbox.dir,
  })) as OstreeBackend;
});
after(() => sandbox?.dispose());

const context = () => createOperationContext({ timeoutMs: 60_000 });

it('lists the first deployment as booted, with its version, origin and commit time', async () => {
  const deployments = await backend.deployments.list();
  assert.deepEqual(deployments, [
    {
      index: 0,
      osname: OSNAME,
      checksum: sandbox.checksums.prod1,
      version: '1.0',
      origin: `${REMOTE}:${PROD}`,
      booted: true,
      staged: false,
      pending: false,
      pinned: false,
      timestamp: COMMITS.prod1.timestamp,
    },
  ]);
  assert.equal(await backend.rebootRequired(), false);
});

it("reads the packages from the deployment's dpkg status file", async () => {
  const packages = await backend.listInstalled();
  assert.deepEqual(
    packages.map((pkg) => `${pkg.name}=${pkg.version}`),
    ['base-files=12.4', `${HELLO}=1.0-1`],
  );
});

it('a refresh pulls the new commit header and package database; the update is one image update with package differences', async () => {
  assert.deepEqual(await backend.listUpgrades(), [], 'nothing is known before the refresh');
  await backend.refreshCache(context());
  assert.ok((await backend.lastCacheUpdate()) instanceof Date);
  const upgrades = await backend.listUpgrades();
  assert.deepEqual(upgrades, [
    {
      name: OSNAME,
      current_version: '1.0',
      available_version: '1.1',
      architecture: null,
      security: null,
      severity: null,
      advisories: [],
      repository: `${REMOTE}:${PROD}`,
      package_changes: [
        { name: DEP, action: 'installed', from_version: null, to_version: '1.0-1' },
        { name: HELLO, action: 'upgraded', from_version: '1.0-1', to_version: '1.1-1' },
      ],
    },
  ]);
});

it('package layering is refused NOT_SUPPORTED, after validation', async () => {
  await assert.rejects(backend.install([{ name: HELLO }], context()), { code: 'LPA_ERR_NOT_SUPPORTED' });
  await assert.rejects(backend.remove([HELLO], context()), { code: 'LPA_ERR_NOT_SUPPORTED' });
  await assert.rejects(backend.update(HELLO, undefined, context()), { code: 'LPA_ERR_NOT_SUPPORTED' });
  await assert.rejects(backend.install([{ name: '--root=/' }], context()), { code: 'LPA_ERR_VALIDATION' });
  await assert.rejects(backend.applyUpgrades({ names: [HELLO], securityOnly: false }, context()), {
    code: 'LPA_ERR_NOT_SUPPORTED',
  });
});

it('upgrade deploys the new commit as the pending default; rollback drops it again', async () => {
  await backend.applyUpgrades({ names: null, securityOnly: false }, context());
  let deployments = await backend.deployments.list();
  assert.deepEqual(
    deployments.map((d) => [d.index, d.version, d.booted, d.pending]),
    [
      [0, '1.1', false, true],
      [1, '1.0', true, false],
    ],
  );
  assert.equal(await backend.rebootRequired(), true);
  assert.deepEqual(
    (await backend.listInstalled()).map((pkg) => `${pkg.name}=${pkg.version}`),
    ['base-files=12.4', `${DEP}=1.0-1`, `${HELLO}=1.1-1`],
    'with a root, the packages are those of the default deployment',
  );
  const plan = await backend.deployments.planRollback();
  assert.deepEqual([plan.from?.version, plan.to.version, plan.packages_compared], ['1.1', '1.0', true]);
  await backend.deployments.rollback(context());
  deployments = await backend.deployments.list();
  assert.deepEqual(
    deployments.map((d) => [d.index, d.version, d.booted, d.pending]),
    [[0, '1.0', true, false]],
  );
});

it('refuses refspecs that could become options or leave the ref namespace', () => {
  for (const ref of ['', '-x', '--repo=/', 'lpaos:../x', 'a b', 'lpaos:dev;id', '-r:x', 'x/']) {
    assert.notEqual(backend.deployments.validateRef(ref), null, JSON.stringify(ref));
  }
  for (const ref of [DEV, `${REMOTE}:${DEV}`, 'fedora/40/x86_64/coreos'])
    assert.equal(backend.deployments.validateRef(ref), null);
});

it('rebase to the dev ref (the remote taken from the origin) deploys dev as the default; after booting it, rollback deploys prod again in front', async () => {
  const plan = await backend.deployments.planRebase(DEV);
  assert.deepEqual([plan.to.origin, plan.to.version], [`${REMOTE}:${DEV}`, '2.0']);
  await backend.deployments.rebase(DEV, context());
  const deployments = await backend.deployments.list();
  assert.deepEqual(
    deployments.map((d) => [d.index, d.version, d.origin, d.pending]),
    [
      [0, '2.0', `${REMOTE}:${DEV}`, true],
      [1, '1.0', `${REMOTE}:${PROD}`, false],
    ],
  );
  await assert.rejects(backend.deployments.planUndeploy(1), { code: 'LPA_ERR_CONFLICT' }, 'the booted one stays');
  await assert.rejects(backend.deployments.planUndeploy(5), { code: 'LPA_ERR_NOT_FOUND' });

  // The host reboots into dev: a rollback now keeps dev and deploys the prod commit again in front.
  await writeFile(join(sandbox.root, 'proc/cmdline'), `ostree=/ostree/deploy/${OSNAME}/deploy/${deployments[0]?.checksum}.0\n`);
  assert.deepEqual(
    (await backend.deployments.list()).map((d) => [d.version, d.booted, d.pending]),
    [
      ['2.0', true, false],
      ['1.0', false, false],
    ],
  );
  await assert.rejects(backend.deployments.planUndeploy(0), { code: 'LPA_ERR_CONFLICT' }, 'the booted one stays');
  await backend.deployments.rollback(context());
  assert.deepEqual(
    (await backend.deployments.list()).map((d) => [d.version, d.origin, d.booted, d.pending]),
    [
      ['1.0', `${REMOTE}:${PROD}`, false, true],
      ['2.0', `${REMOTE}:${DEV}`, true, false],
      ['1.0', `${REMOTE}:${PROD}`, false, false],
    ],
  );
  await backend.deployments.undeploy(0, context());
  assert.deepEqual(
    (await backend.deployments.list()).map((d) => [d.version, d.booted]),
    [
      ['2.0', true],
      ['1.0', false],
    ],
  );
});
