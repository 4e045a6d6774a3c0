/**
 * The parsers on the real apk-tools 2.14.10 outputs of fixtures/apk-2.14.10 (byte for byte what a
 * real apk printed on a sandbox root; see that directory's README).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseInstalledDb } from '../src/installed-db.js';
import {
  apkErrorSummary,
  isApkFetchError,
  isApkLockError,
  packagesKeptByDel,
  parseChangeLine,
  parseChangeLines,
  parseUpgradableLines,
  parseUpgradableList,
  splitNameVersion,
  unavailablePins,
} from '../src/output.js';
import { compareApkVersions } from '../src/version.js';
import { parseWorldPins, pinAllows, type WorldPin } from '../src/world.js';
import { readRealCase, realOutput } from './transcripts.js';

const STATES = fileURLToPath(new URL('./fixtures/state/', import.meta.url));

describe('installed database', () => {
  it('reads P/V/A/T/I/o of every record and skips the dependency and file lines', async () => {
    const packages = parseInstalledDb(await readFile(join(STATES, 'installed-hello-1.1-dep'), 'utf8'));
    assert.deepEqual(packages, [
      {
        name: 'lpa-fixture-dep',
        version: '1.0-r0',
        architecture: 'x86_64',
        status: 'installed',
        description: 'linux-patch-api test fixture (lpa-fixture-dep)',
        installed_size: 4096,
        origin: 'lpa-fixture-dep',
      },
      {
        name: 'lpa-fixture-hello',
        version: '1.1-r0',
        architecture: 'x86_64',
        status: 'installed',
        description: 'linux-patch-api test fixture (lpa-fixture-hello)',
        installed_size: 4096,
        origin: 'lpa-fixture-hello',
      },
    ]);
    assert.deepEqual(parseInstalledDb(''), []);
  });

  it('tolerates a missing final blank line and records without an installed size', () => {
    assert.deepEqual(parseInstalledDb('P:foo\nV:1.0-r0\nA:noarch'), [
      {
        name: 'foo',
        version: '1.0-r0',
        architecture: 'noarch',
        status: 'installed',
        description: null,
        installed_size: null,
        origin: null,
      },
    ]);
  });
});

describe('apk 2.14.10 output', () => {
  it('splits name-version as apk does (info -v, list --installed)', async () => {
    assert.deepEqual((await readRealCase('p02-info-v')).stdout.trim().split('\n').map(splitNameVersion), [
      { name: 'lpa-fixture-hello', version: '1.0-r0' },
    ]);
    assert.equal((await readRealCase('p16-info-v')).stdout, '', 'info -v on an empty root prints nothing');
    assert.deepEqual(splitNameVersion('py3-foo-bar-2.0-r0'), { name: 'py3-foo-bar', version: '2.0-r0' });
    assert.deepEqual(splitNameVersion('gtk+3.0-3.24.41-r0'), { name: 'gtk+3.0', version: '3.24.41-r0' });
    assert.equal(splitNameVersion('no-version-here'), null);
    // `list --installed` lines carry `[installed]`, never taken for an update.
    const installed = await readRealCase('p05-list-inst');
    assert.match(installed.stdout, /^lpa-fixture-hello-1\.0-r0 x86_64 \{lpa-fixture-hello\} \(MIT\) \[installed\]$/m);
    assert.deepEqual(parseUpgradableLines(installed.stdout), []);
    assert.deepEqual(parseUpgradableLines((await readRealCase('p15-list-inst')).stdout), []);
  });

  it('orders versions as apk version -l "<" printed them', async () => {
    const [, row] = (await readRealCase('p03-version')).stdout.split('\n');
    const match = /^(\S+)\s+([<>=])\s+(\S+)\s*$/.exec(row ?? '');
    assert.ok(match, row);
    const installed = splitNameVersion(match[1] as string);
    const expected = { '<': -1, '=': 0, '>': 1 }[match[2] as '<' | '=' | '>'];
    assert.equal(Math.sign(compareApkVersions(installed?.version ?? '', match[3] as string)), expected);
  });

  it('reads list --upgradable, one row per package with the highest version', async () => {
    assert.deepEqual(parseUpgradableList((await readRealCase('p04-list-upg')).stdout), [
      {
        name: 'lpa-fixture-hello',
        currentVersion: '1.0-r0',
        availableVersion: '1.1-r0',
        architecture: 'x86_64',
        origin: 'lpa-fixture-hello',
      },
    ]);
    const two = (await readRealCase('p40-list-upg-two')).stdout;
    assert.equal(parseUpgradableLines(two).length, 2, 'apk prints a line per newer version');
    assert.deepEqual(
      parseUpgradableList(two).map((row) => [row.name, row.currentVersion, row.availableVersion]),
      [['lpa-fixture-hello', '1.0-r0', '1.2-r0']],
    );
    // The highest wins whatever the order apk printed them in.
    const reversed = two.trim().split('\n').reverse().join('\n');
    assert.equal(parseUpgradableList(reversed)[0]?.availableVersion, '1.2-r0');
    assert.deepEqual(parseUpgradableList(''), []);
  });

  it('reads the (n/m) change lines of add, add --upgrade, a downgrade, upgrade and del', async () => {
    const changes = async (name: string) =>
      parseChangeLines((await readRealCase(name)).stdout).map((change) => [
        change.verb,
        change.name,
        change.fromVersion,
        change.toVersion,
      ]);
    assert.deepEqual(await changes('p01-add-pinned'), [['Installing', 'lpa-fixture-hello', null, '1.0-r0']]);
    assert.deepEqual(await changes('p08-add-upgrade'), [
      ['Installing', 'lpa-fixture-dep', null, '1.0-r0'],
      ['Upgrading', 'lpa-fixture-hello', '1.0-r0', '1.1-r0'],
    ]);
    assert.deepEqual(await changes('p09-downgrade'), [
      ['Downgrading', 'lpa-fixture-hello', '1.1-r0', '1.0-r0'],
      ['Purging', 'lpa-fixture-dep', '1.0-r0', null],
    ]);
    assert.deepEqual(await changes('p10-add-dep'), [['Installing', 'lpa-fixture-dep', null, '1.0-r0']]);
    assert.deepEqual(await changes('p11-upgrade-names'), [['Upgrading', 'lpa-fixture-hello', '1.0-r0', '1.1-r0']]);
    assert.deepEqual(await changes('p24b-lock-nowait'), [
      ['Installing', 'lpa-fixture-dep', null, '1.0-r0'],
      ['Installing', 'lpa-fixture-hello', null, '1.1-r0'],
    ]);
    for (const name of ['p13-sim-del', 'p14-del']) {
      assert.deepEqual(await changes(name), [
        ['Purging', 'lpa-fixture-hello', '1.1-r0', null],
        ['Purging', 'lpa-fixture-dep', '1.0-r0', null],
      ]);
    }
    for (const name of ['p06-sim-upgrade', 'p07-upgrade', 'p23-fix', 'p25-add', 'p12-del-kept']) {
      assert.deepEqual(await changes(name), [], `${name} changes nothing`);
    }
    assert.equal(parseChangeLine('(1/1) Upgrading curl@edge (8.5.0-r0 -> 8.9.1-r0)')?.name, 'curl');
    assert.equal(parseChangeLine('(1/1) Updating pinning curl@edge (8.5.0-r0)'), null, 'no package change');
  });

  it('tells download failures (404, unreachable) from lock failures, resolver errors and clean runs', async () => {
    for (const name of ['p30-upgrade-404', 'p31-update-unreach', 'p31b-update-unreach-U']) {
      assert.equal(isApkFetchError(await realOutput(name)), true, name);
    }
    assert.equal((await readRealCase('p31-update-unreach')).exitCode, 2);
    assert.equal((await readRealCase('p30-upgrade-404')).exitCode, 1);
    for (const name of [
      'p24-lock',
      'p20-add-unknown',
      'p21-add-badver',
      'p22-update',
      'p26-update-aged',
      'p27-update-again',
      'p28-update-U',
      'p50-update-force-refresh',
      'p07-upgrade',
      'p08-add-upgrade',
      'p12-del-kept',
      'p23-fix',
    ]) {
      assert.equal(isApkFetchError(await realOutput(name)), false, name);
    }
  });

  it('recognises the lock failure: the wait notice on stdout, the errors on stderr, exit 99', async () => {
    const lock = await readRealCase('p24-lock');
    assert.equal(lock.exitCode, 99);
    assert.equal(lock.stdout, 'Waiting for repository lock\n');
    assert.equal(isApkLockError(await realOutput('p24-lock')), true);
    // Even when the `Unable to lock` line is not among the lines kept, the notice and the failed open say it.
    assert.equal(isApkLockError(`${lock.stdout}ERROR: Failed to open apk database: Interrupted system call\n`), true);
    assert.equal(isApkLockError(lock.stdout), false, 'waiting alone is not a failure');
    assert.equal(isApkLockError(await realOutput('p30-upgrade-404')), false);
  });

  it('shows which update runs fetched: a plain update within 4 h fetches nothing (2.14.9+)', async () => {
    const fetched = async (name: string) => /^fetch /m.test((await readRealCase(name)).stdout);
    assert.equal(await fetched('p22-update'), false);
    assert.equal(await fetched('p27-update-again'), false);
    assert.equal(await fetched('p26-update-aged'), true);
    assert.equal(await fetched('p28-update-U'), true);
    assert.equal(await fetched('p50-update-force-refresh'), true);
  });

  it("names the pinned pairs apk's solver refused: a broken world[name=version] (p21), a name with no package (p20)", async () => {
    const badVersion = await realOutput('p21-add-badver');
    const unknown = await realOutput('p20-add-unknown');
    const hello = { name: 'lpa-fixture-hello', version: '9.9-r0' };
    const nobody = { name: 'lpa-no-such-package', version: '1.0-r0' };
    assert.deepEqual(unavailablePins(badVersion, [hello]), [hello]);
    assert.deepEqual(unavailablePins(badVersion, [{ name: 'lpa-fixture-hello', version: '1.0-r0' }]), [], 'another version');
    assert.deepEqual(unavailablePins(unknown, [nobody]), [nobody]);
    assert.deepEqual(unavailablePins(unknown, []), [], 'an unpinned add of an unknown name names no pair');
    // Every block of one refusal counts: p21's and p20's blocks under one header, as apk lists each unsatisfiable package.
    const both = `${badVersion.trimEnd()}\n${unknown.split('\n').slice(1).join('\n')}`;
    assert.deepEqual(unavailablePins(both, [nobody, { name: 'lpa-fixture-dep', version: '1.0-r0' }, hello]), [nobody, hello]);
    // A constraint the chosen package only satisfies, and other failures, name nothing.
    assert.deepEqual(
      unavailablePins(badVersion.replace('breaks: world', 'satisfies: world'), [hello]),
      [],
      'satisfies: is not a refusal',
    );
    for (const name of ['p30-upgrade-404', 'p24-lock', 'p12-del-kept', 'p01-add-pinned']) {
      assert.deepEqual(unavailablePins(await realOutput(name), [hello]), [], name);
    }
  });

  it('finds what apk del kept and summarises ERROR blocks and unreachable repositories', async () => {
    assert.deepEqual(packagesKeptByDel(await realOutput('p12-del-kept')), ['lpa-fixture-dep']);
    assert.deepEqual(packagesKeptByDel(await realOutput('p14-del')), []);
    assert.equal(
      apkErrorSummary(await realOutput('p20-add-unknown')),
      'ERROR: unable to select packages: lpa-no-such-package (no such package): required by: world[lpa-no-such-package]',
    );
    assert.equal(
      apkErrorSummary(await realOutput('p30-upgrade-404')),
      "ERROR: lpa-fixture-hello-1.1-r0: package mentioned in index not found (try 'apk update')",
    );
    assert.equal(
      apkErrorSummary(await realOutput('p31-update-unreach')),
      'WARNING: updating and opening http://127.0.0.1:51802: could not connect to server (check repositories file) 2 unavailable, 0 stale; 0 distinct packages available',
    );
  });
});

describe('world pins', () => {
  it('reads version constraints from world and ignores plain names, tags and conflicts', () => {
    const pins = parseWorldPins(
      'lpa-fixture-dep\nlpa-fixture-hello=1.0-r0\ncurl<8.9\nbusybox~1.36\n!sudo\nvim@edge\ntree>=2.1\n',
    );
    assert.deepEqual(
      [...pins.values()].map((pin) => [pin.name, pin.operator, pin.version]),
      [
        ['lpa-fixture-hello', '=', '1.0-r0'],
        ['curl', '<', '8.9'],
        ['busybox', '~', '1.36'],
        ['tree', '>=', '2.1'],
      ],
    );
  });

  it('checks an available version against the pin as apk does', () => {
    const pin = (text: string) => [...parseWorldPins(text).values()][0] as WorldPin;
    assert.equal(pinAllows(pin('a=1.0-r0'), '1.1-r0'), false);
    assert.equal(pinAllows(pin('a=1.0-r0'), '1.0-r0'), true);
    assert.equal(pinAllows(pin('a<1.1'), '1.1_rc1'), true);
    assert.equal(pinAllows(pin('a<1.1'), '1.1-r0'), false);
    assert.equal(pinAllows(pin('a>=1.0'), '1.2'), true);
    assert.equal(pinAllows(pin('a~1.36'), '1.36.1-r19'), true);
    assert.equal(pinAllows(pin('a~1.36'), '1.37-r0'), false);
    assert.equal(pinAllows(pin('a~1.3'), '1.36-r0'), false);
  });
});
