import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { DEP, HELLO, publishAptPackages, SEC } from '../support/sandbox/apt.js';
import { runTool } from '../support/sandbox/common.js';
import { type AptAgent, hostPackageState, startAptAgent } from './support.js';

// The agent keeps its GET /packages answers between changes: every change to the root, by anyone,
// shows in the very next answer.

const hostUnchanged = hostPackageState();
let agent: AptAgent;
before(async () => {
  agent = await startAptAgent({ sandbox: { install: [`${HELLO}=1.0-1`, `${SEC}=1.0-1`] } });
});
after(async () => {
  await agent?.stop();
  hostUnchanged();
});

async function listed(query = ''): Promise<string[]> {
  const res = await agent.request('GET', `/packages${query}`);
  assert.equal(res.status, 200, res.text);
  return res.json.data.packages.map(
    (pkg: { name: string; version: string; available_version: string | null }) =>
      `${pkg.name} ${pkg.version}${pkg.available_version === null ? '' : ` > ${pkg.available_version}`}`,
  );
}

it('GET /packages shows installs, removals, new versions and in-place edits made outside the agent at once', async () => {
  const { sandbox } = agent;
  assert.deepEqual(await listed(), [`${HELLO} 1.0-1 > 1.1-1`, `${SEC} 1.0-1 > 1.1-1`]);
  assert.deepEqual(await listed('?upgradable=true&limit=1'), [`${HELLO} 1.0-1 > 1.1-1`]);

  await sandbox.aptGet(['-y', '-q', 'install', '--', DEP]);
  assert.deepEqual(await listed(), [`${DEP} 1.0-1`, `${HELLO} 1.0-1 > 1.1-1`, `${SEC} 1.0-1 > 1.1-1`]);
  assert.deepEqual(await listed('?upgradable=false'), [`${DEP} 1.0-1`]);

  await runTool('/usr/bin/dpkg', [`--root=${sandbox.root}`, `--log=${sandbox.root}/var/log/dpkg.log`, '--remove', DEP]);
  assert.deepEqual(await listed('?upgradable=false'), []);

  await publishAptPackages(sandbox, [{ name: SEC, version: '1.2-1' }]);
  await sandbox.aptGet(['-q', 'update']);
  assert.deepEqual(await listed('?upgradable=true&limit=1&offset=1'), [`${SEC} 1.0-1 > 1.2-1`]);

  // The same size and modification time, in place: only the change time tells.
  const status = join(sandbox.root, 'var/lib/dpkg/status');
  const times = join(sandbox.dir, 'status-times');
  await writeFile(times, '');
  await runTool('/usr/bin/touch', ['-r', status, times]);
  const text = await readFile(status, 'utf8');
  const stanza = text.split('\n\n').find((entry) => entry.startsWith(`Package: ${HELLO}\n`));
  assert.ok(stanza);
  await writeFile(status, text.replace(stanza, stanza.replace('Version: 1.0-1', 'Version: 1.0-0')));
  await runTool('/usr/bin/touch', ['-r', times, status]);
  assert.deepEqual(await listed('?name=hello'), [`${HELLO} 1.0-0 > 1.1-1`]);
  assert.deepEqual(await listed('?upgradable=true&limit=1'), [`${HELLO} 1.0-0 > 1.1-1`]);
});
