import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Upgrade } from '@linux-patch-api/core';
import { type AptSandbox, createAptSandbox, HELLO, publishAptPackages, SEC } from '../../../test/support/sandbox/apt.js';
import { runTool } from '../../../test/support/sandbox/common.js';
import { parseAptPolicy } from '../src/apt-policy.js';
import { compareDebianVersions } from '../src/debian-version.js';
import { markHeldBack, parseKeptBack } from '../src/held-back.js';
import { parseUpgradableList } from '../src/upgradable-list.js';
import { aptBackendOn } from './helpers.js';

// The upgrade list reads apt's policy beside the listing and the resolution when the root has
// preferences: it must equal what each source says when asked one after the other, as it was
// computed before, on a root with every held-back reason apt has and free updates.

const HELD = 'lpa-fixture-held';
const PINNED = 'lpa-fixture-pinned';
const PHASED = 'lpa-fixture-phased';
/** Its new version depends on a package no repository has: dist-upgrade keeps it back. */
const STUCK = 'lpa-fixture-stuck';
const PIN = 'etc/apt/preferences.d/lpa-pin';

async function heldBackRoot(): Promise<AptSandbox> {
  const sandbox = await createAptSandbox({ install: [`${HELLO}=1.0-1`, `${SEC}=1.0-1`] });
  await publishAptPackages(sandbox, [
    ...[HELD, PINNED, PHASED, STUCK].map((name) => ({ name, version: '1.0-1' })),
    { name: HELD, version: '1.1-1' },
    { name: PINNED, version: '1.1-1' },
    { name: PHASED, version: '1.1-1', fields: { 'Phased-Update-Percentage': '0' } },
    { name: STUCK, version: '1.1-1', depends: 'lpa-fixture-nowhere (>= 1.0)' },
  ]);
  await writeFile(join(sandbox.root, 'etc/machine-id'), '0123456789abcdef0123456789abcdef\n');
  await writeFile(join(sandbox.root, PIN), `Package: ${PINNED}\nPin: version 1.0-1\nPin-Priority: 1001\n`);
  await sandbox.aptGet(['-q', 'update']);
  await sandbox.aptGet(['-y', '-q', 'install', '--', ...[HELD, PINNED, PHASED, STUCK].map((name) => `${name}=1.0-1`)]);
  await runTool('/usr/bin/apt-mark', ['hold', HELD], { env: sandbox.env });
  return sandbox;
}

/** Each source asked on its own, in turn: the listing, the resolution, the holds, then the policy. */
async function fromEachSource(sandbox: AptSandbox, preferences: boolean): Promise<Upgrade[]> {
  const apt = async (file: string, args: string[]) => (await runTool(file, args, { env: sandbox.env })).stdout;
  const noLock = ['-o', 'Debug::NoLocking=1'];
  const upgradable = parseUpgradableList(await apt('/usr/bin/apt', ['list', '--upgradable', '-q', ...noLock]));
  const keptBack = parseKeptBack(await apt('/usr/bin/apt-get', ['-q', '-V', '--print-uris', ...noLock, 'dist-upgrade']));
  const holds = new Set((await apt('/usr/bin/apt-mark', ['showhold'])).split('\n').filter((name) => name.length > 0));
  const installedNames = (await sandbox.dpkgQuery()).keys();
  const names = new Set([...keptBack].filter((name) => !holds.has(name)));
  if (preferences) {
    const listed = new Set(upgradable.map((upgrade) => upgrade.name));
    for (const name of installedNames) if (!listed.has(name)) names.add(name);
  }
  const policy =
    names.size === 0 ? new Map() : parseAptPolicy(await apt('/usr/bin/apt-cache', ['policy', ...noLock, '--', ...names]));
  const { backend } = await aptBackendOn(sandbox);
  const installed = await backend.listInstalled();
  return markHeldBack({ upgradable, holds, keptBack, policy, installed, compare: compareDebianVersions });
}

const reasons = (upgrades: readonly Upgrade[]) =>
  upgrades.map((upgrade) => `${upgrade.name} ${upgrade.held_back?.reason ?? 'free'}`).sort();

describe('the apt upgrade list against its sources', () => {
  it('equals the sources asked in turn, with preferences and without', async () => {
    const sandbox = await heldBackRoot();
    const { backend } = await aptBackendOn(sandbox);
    const withPin = await backend.listUpgrades();
    assert.deepEqual(reasons(withPin), [
      `${HELD} held`,
      `${HELLO} free`,
      `${PHASED} phased`,
      `${PINNED} pinned`,
      `${SEC} free`,
      `${STUCK} dependency`,
    ]);
    assert.deepEqual(withPin, await fromEachSource(sandbox, true));

    await rm(join(sandbox.root, PIN));
    const withoutPin = await backend.listUpgrades();
    assert.deepEqual(reasons(withoutPin), [
      `${HELD} held`,
      `${HELLO} free`,
      `${PHASED} phased`,
      `${PINNED} free`,
      `${SEC} free`,
      `${STUCK} dependency`,
    ]);
    assert.deepEqual(withoutPin, await fromEachSource(sandbox, false));
    sandbox.dispose();
  });
});
