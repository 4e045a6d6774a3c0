import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createOperationContext } from '@linux-patch-api/core/testing';
import { createAptSandbox, DEP, HELLO, publishAptPackages, SEC } from '../../../test/support/sandbox/apt.js';
import { runTool } from '../../../test/support/sandbox/common.js';
import { aptBackendOn } from './helpers.js';

// The core keeps its GET /packages answers while inventoryGeneration() stays: it must move with
// every change to what listInstalled() or listUpgrades() answer, made by anyone.

describe('AptBackend.inventoryGeneration', () => {
  it('stays while nothing changed and moves with every install, removal, hold, index change and apt run', async () => {
    const sandbox = await createAptSandbox({ install: [`${HELLO}=1.0-1`, `${SEC}=1.0-1`] });
    const { backend } = await aptBackendOn(sandbox);
    const seen = new Set<string>();
    const moved = (what: string) => {
      const generation = backend.inventoryGeneration();
      assert.ok(!seen.has(generation), `the generation did not move after ${what}`);
      seen.add(generation);
    };
    moved('the start');
    await backend.listUpgrades();
    await backend.listInstalled();
    assert.ok(seen.has(backend.inventoryGeneration()), 'reading moved the generation');

    await sandbox.aptGet(['-y', '-q', 'install', '--', DEP]);
    moved('an install by apt outside the agent');
    await runTool('/usr/bin/apt-mark', ['hold', HELLO], { env: sandbox.env });
    moved('apt-mark hold');
    await runTool('/usr/bin/apt-mark', ['unhold', HELLO], { env: sandbox.env });
    moved('apt-mark unhold');
    await runTool('/usr/bin/dpkg', [`--root=${sandbox.root}`, `--log=${sandbox.root}/var/log/dpkg.log`, '--remove', DEP]);
    moved('a removal by dpkg');
    await publishAptPackages(sandbox, [{ name: SEC, version: '1.2-1' }]);
    await sandbox.aptGet(['-q', 'update']);
    moved('apt-get update with a new version');
    assert.equal((await backend.listUpgrades()).find((u) => u.name === SEC)?.available_version, '1.2-1');

    // The lists are unchanged by this refresh; the agent still drops its upgrade list after apt ran.
    await backend.refreshCache(createOperationContext());
    moved("the agent's own apt-get update");
    await backend.update(HELLO, undefined, createOperationContext());
    moved("the agent's own upgrade");
    // Let the upgrade list the agent recomputes after its own apt runs finish before the root goes.
    await backend.listUpgrades();
    sandbox.dispose();
  });

  it('moves when the status file is rewritten in place with the same size and its modification time put back', async () => {
    const sandbox = await createAptSandbox({ install: [`${HELLO}=1.0-1`] });
    const { backend } = await aptBackendOn(sandbox);
    const status = join(sandbox.root, 'var/lib/dpkg/status');
    const reference = join(sandbox.dir, 'status-times');
    await writeFile(reference, '');
    await runTool('/usr/bin/touch', ['-r', status, reference]);
    assert.equal((await backend.listInstalled()).find((p) => p.name === HELLO)?.version, '1.0-1');
    const generation = backend.inventoryGeneration();
    const before = statSync(status, { bigint: true });

    const text = await readFile(status, 'utf8');
    await writeFile(status, text.replace('Version: 1.0-1', 'Version: 1.0-2'));
    await runTool('/usr/bin/touch', ['-r', reference, status]);
    const after = statSync(status, { bigint: true });
    assert.deepEqual([after.ino, after.size, after.mtimeNs], [before.ino, before.size, before.mtimeNs]);

    assert.notEqual(backend.inventoryGeneration(), generation);
    assert.equal((await backend.listInstalled()).find((p) => p.name === HELLO)?.version, '1.0-2');
    sandbox.dispose();
  });
});
