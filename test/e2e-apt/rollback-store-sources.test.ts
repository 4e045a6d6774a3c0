import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { keptPackages } from '../support/e2e-agent.js';
import { HELLO, SEC, withdrawFromMainRepo } from '../support/sandbox/apt.js';
import { runTool } from '../support/sandbox/common.js';
import { type AptAgent, changeSummary, hostPackageState, startAptAgent } from './support.js';

// The two sources after apt's archive cache: `apt-get download` while the repository still has the
// version, and `dpkg-repack` of the installed files once neither the cache nor the repository has it.
const hostUnchanged = hostPackageState();
let agent: AptAgent;
before(async () => {
  agent = await startAptAgent({ sandbox: { install: [`${HELLO}=1.0-1`, `${SEC}=1.0-1`] } });
});
after(async () => {
  await agent?.stop();
  hostUnchanged();
});

async function emptyArchiveCache(): Promise<void> {
  await agent.sandbox.aptGet(['clean']);
  const archives = await readdir(join(agent.sandbox.root, 'var/cache/apt/archives'));
  assert.deepEqual(
    archives.filter((file) => file.endsWith('.deb')),
    [],
  );
}

/** The versions the repositories offer (apt-cache madison; the installed version is not one of them). */
async function offered(name: string): Promise<string[]> {
  const { stdout } = await runTool('/usr/bin/apt-cache', ['madison', '--', name], { env: agent.sandbox.env });
  return stdout.split('\n').flatMap((line) => (line.trim() === '' ? [] : [line.split('|')[1]?.trim() ?? '']));
}

async function withdraw(name: string): Promise<void> {
  await withdrawFromMainRepo(name, '1.0-1');
  await agent.sandbox.aptGet(['update']);
  await emptyArchiveCache();
  assert.ok(!(await offered(name)).includes('1.0-1'), `the repository still offers ${name} 1.0-1`);
}

it('keeps a version the repository still has with apt-get download when the archive cache is empty', async () => {
  await emptyArchiveCache();
  assert.ok((await offered(HELLO)).includes('1.0-1'));
  const upgrade = await agent.runJob('PUT', `/packages/${HELLO}`);
  assert.equal(upgrade.status, 'completed', JSON.stringify(upgrade.error));
  const kept = (await keptPackages(agent.dir)).find((p) => p.name === HELLO);
  assert.deepEqual(kept && { version: kept.version, via: kept.via }, { version: '1.0-1', via: 'download' });

  await withdraw(HELLO);
  const rollback = await agent.runJob('POST', `/jobs/${upgrade.id}/rollback`);
  assert.equal(rollback.status, 'completed', JSON.stringify(rollback.error));
  assert.ok(changeSummary(rollback).includes(`downgraded ${HELLO} 1.1-1 > 1.0-1`), changeSummary(rollback).join('; '));
  assert.equal((await agent.sandbox.dpkgQuery()).get(HELLO), '1.0-1');
});

it('rebuilds a version neither the cache nor the repository has with dpkg-repack, and rolls back to it', async () => {
  await withdraw(SEC);
  const upgrade = await agent.runJob('PUT', `/packages/${SEC}`);
  assert.equal(upgrade.status, 'completed', JSON.stringify(upgrade.error));
  assert.equal((await agent.sandbox.dpkgQuery()).get(SEC), '1.1-1');
  const kept = (await keptPackages(agent.dir)).find((p) => p.name === SEC);
  assert.deepEqual(kept && { version: kept.version, via: kept.via }, { version: '1.0-1', via: 'rebuild' });
  assert.deepEqual(upgrade.rollback, {
    possible: true,
    reason: null,
    packages: [{ name: SEC, version: '1.0-1', source: 'store' }],
  });

  const rollback = await agent.runJob('POST', `/jobs/${upgrade.id}/rollback`);
  assert.equal(rollback.status, 'completed', JSON.stringify(rollback.error));
  assert.deepEqual(changeSummary(rollback), [`downgraded ${SEC} 1.1-1 > 1.0-1`]);
  assert.equal((await agent.sandbox.dpkgQuery()).get(SEC), '1.0-1');
  // The rebuilt package carries the installed files of 1.0-1.
  assert.equal(await readFile(join(agent.sandbox.root, 'usr/share', SEC, 'VERSION'), 'utf8'), '1.0-1\n');
});
