import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { keptPackages } from '../support/e2e-agent.js';
import { type ServedDirectory, serveDirectory } from '../support/http-directory.js';
import { copyFixtureRepo } from '../support/sandbox/dnf.js';
import {
  changeSummary,
  DEP,
  HELLO,
  hostRpmUnchanged,
  type RpmAgent,
  startRpmAgent,
  versions,
  withdrawVersion,
} from './support.js';

// dnf keeps downloaded packages only with keepcache=1, and downloads only from a remote repository:
// the fixture repository is served over HTTP, so the installed version's rpm is in dnf's cache.
const hostUnchanged = hostRpmUnchanged();
let agent: RpmAgent;
let repo: string;
let served: ServedDirectory;
before(async () => {
  repo = await copyFixtureRepo();
  served = await serveDirectory(repo);
  agent = await startRpmAgent({ install: [`${HELLO}-1.0-1`], repo, sandbox: { repoUrl: served.url, keepcache: true } });
});
after(async () => {
  await agent?.stop();
  await served?.close();
  hostUnchanged();
});

it("keeps the installed version from dnf's keepcache directory and rolls back from the store once repository and cache dropped it", async () => {
  const cacheDir = join(agent.sandbox.root, 'var/cache/dnf');
  const cached: string[] = [];
  for (const repoDir of await readdir(cacheDir)) {
    cached.push(...(await readdir(join(cacheDir, repoDir, 'packages')).catch(() => [] as string[])));
  }
  assert.ok(cached.includes(`${HELLO}-1.0-1.noarch.rpm`), `dnf kept the download: ${cached.join(' ')}`);

  const upgrade = await agent.runJob('PUT', `/packages/${HELLO}`);
  assert.equal(upgrade.status, 'completed', JSON.stringify(upgrade.error));
  assert.deepEqual(
    (await keptPackages(agent.dir)).map(({ name, version, via }) => ({ name, version, via })),
    [{ name: HELLO, version: '1.0-1', via: 'cache' }],
  );

  await withdrawVersion(agent, repo, `${HELLO}-1.0-1`);
  const rollback = await agent.runJob('POST', `/jobs/${upgrade.id}/rollback`);
  assert.equal(rollback.status, 'completed', JSON.stringify(rollback.error));
  assert.deepEqual(changeSummary(rollback), [`downgraded ${HELLO} 1.1-1 > 1.0-1`, `removed ${DEP} 1.0-1 > -`]);
  assert.deepEqual(versions(await agent.sandbox.installed()), { [HELLO]: '1.0-1' });
});
