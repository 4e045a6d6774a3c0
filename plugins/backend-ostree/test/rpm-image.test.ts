import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { createOperationContext, createProcessRunner, silentLogger } from '@linux-patch-api/core/testing';
import { createOstreeSandbox, DEP, HELLO, OSNAME, type OstreeSandbox } from '../../../test/support/sandbox/ostree.js';
import { ostreeBackendDefinition } from '../src/definition.js';
import type { OstreeBackend } from '../src/ostree-backend.js';

let sandbox: OstreeSandbox;
let backend: OstreeBackend;
before(async () => {
  sandbox = await createOstreeSandbox({ packageDatabase: 'rpm' });
  backend = (await ostreeBackendDefinition.create({
    root: sandbox.root,
    runner: createProcessRunner(),
    logger: silentLogger,
    stateDir: sandbox.dir,
  })) as OstreeBackend;
});
after(() => sandbox?.dispose());

async function deploymentRpmdbFiles(): Promise<string[]> {
  const [deployment] = await backend.deployments.list();
  const dir = join(sandbox.root, 'ostree/deploy', OSNAME, 'deploy', `${deployment?.checksum}.0`, 'usr/lib/sysimage/rpm');
  return (await readdir(dir)).sort();
}

it("an rpm-based image: packages from usr/lib/sysimage/rpm, the update compared on the commits' rpmdbs, the repository left intact", async () => {
  const filesBefore = await deploymentRpmdbFiles();
  assert.deepEqual(
    (await backend.listInstalled()).map((pkg) => `${pkg.name}=${pkg.version}`),
    [`${HELLO}=1.0-1`],
  );
  await backend.refreshCache(createOperationContext({ timeoutMs: 60_000 }));
  const [update] = await backend.listUpgrades();
  assert.deepEqual([update?.name, update?.current_version, update?.available_version], [OSNAME, '1.0', '1.1']);
  assert.deepEqual(update?.package_changes, [
    { name: DEP, action: 'installed', from_version: null, to_version: '1.0-1' },
    { name: HELLO, action: 'upgraded', from_version: '1.0-1', to_version: '1.1-1' },
  ]);
  // rpm read copies: nothing was written beside the deployment's database, no repository object changed.
  assert.deepEqual(await deploymentRpmdbFiles(), filesBefore);
  await sandbox.ostree(['fsck', `--repo=${join(sandbox.root, 'ostree/repo')}`]);
  assert.deepEqual(await readdir(join(sandbox.dir, 'ostree')).catch(() => []), ['last-pull'], 'scratch copies are removed');
});
