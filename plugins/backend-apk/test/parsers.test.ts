import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseInstalledDb } from '../src/installed-db.js';
import {
  apkErrorSummary,
  isApkFetchError,
  isApkLockError,
  packagesKeptByDel,
  parseChangeLine,
  parseChangeLines,
  parseUpgradableList,
  splitNameVersion,
} from '../src/output.js';
import { readCaptured } from './transcripts.js';

describe('installed database', () => {
  it('reads P/V/A/T/I/o of every record and skips the file lines', async () => {
    const packages = parseInstalledDb(await readCaptured('installed'));
    assert.equal(packages.length, 15);
    assert.deepEqual(
      packages.find((pkg) => pkg.name === 'musl'),
      {
        name: 'musl',
        version: '1.2.4_git20230717-r4',
        architecture: 'x86_64',
        status: 'installed',
        description: 'the musl c library (libc) implementation',
        installed_size: 655360,
        origin: 'musl',
      },
    );
    assert.deepEqual(packages.map((pkg) => pkg.name).slice(0, 4), [
      'alpine-baselayout',
      'alpine-baselayout-data',
      'alpine-keys',
      'apk-tools',
    ]);
    assert.ok(!packages.some((pkg) => pkg.name.includes('/') || pkg.name === 'lib'), 'F:/R: lines are not packages');
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

describe('apk output', () => {
  it('splits name-version as apk does', () => {
    assert.deepEqual(splitNameVersion('busybox-1.36.1-r19'), { name: 'busybox', version: '1.36.1-r19' });
    assert.deepEqual(splitNameVersion('py3-foo-bar-2.0-r0'), { name: 'py3-foo-bar', version: '2.0-r0' });
    assert.deepEqual(splitNameVersion('xf86-video-vesa-2.6.0-r0'), { name: 'xf86-video-vesa', version: '2.6.0-r0' });
    assert.deepEqual(splitNameVersion('gtk+3.0-3.24.41-r0'), { name: 'gtk+3.0', version: '3.24.41-r0' });
    assert.equal(splitNameVersion('no-version-here'), null);
  });

  it('reads apk list --upgradable', async () => {
    const upgrades = parseUpgradableList(await readCaptured('list-upgradable.txt'));
    assert.equal(upgrades.length, 5);
    assert.deepEqual(upgrades[2], {
      name: 'libcrypto3',
      currentVersion: '3.1.4-r1',
      availableVersion: '3.1.4-r5',
      architecture: 'x86_64',
      origin: 'openssl',
    });
    assert.deepEqual(parseUpgradableList(''), []);
  });

  it('reads (n/m) change lines of add, del, upgrade and pinned downgrades', async () => {
    assert.deepEqual(parseChangeLine('(2/8) Installing brotli-libs (1.1.0-r1)'), {
      index: 2,
      total: 8,
      verb: 'Installing',
      name: 'brotli-libs',
      fromVersion: null,
      toVersion: '1.1.0-r1',
    });
    assert.deepEqual(parseChangeLine('(3/5) Upgrading libcrypto3 (3.1.4-r1 -> 3.1.4-r5)'), {
      index: 3,
      total: 5,
      verb: 'Upgrading',
      name: 'libcrypto3',
      fromVersion: '3.1.4-r1',
      toVersion: '3.1.4-r5',
    });
    assert.deepEqual(parseChangeLine('(1/1) Purging tree (2.1.1-r0)'), {
      index: 1,
      total: 1,
      verb: 'Purging',
      name: 'tree',
      fromVersion: '2.1.1-r0',
      toVersion: null,
    });
    assert.equal(parseChangeLine('(1/1) Upgrading curl@edge (8.5.0-r0 -> 8.9.1-r0)')?.name, 'curl');
    assert.equal(parseChangeLine('(1/1) Updating pinning curl@edge (8.5.0-r0)'), null, 'no package change');
    assert.equal(parseChangeLine('Executing busybox-1.36.1-r15.trigger'), null);
    assert.equal(parseChangeLines(await readCaptured('add-curl.txt')).length, 8);
    assert.deepEqual(
      parseChangeLines(await readCaptured('add-busybox-pinned-downgrade.txt')).map((change) => [change.verb, change.name]),
      [
        ['Downgrading', 'busybox'],
        ['Downgrading', 'busybox-binsh'],
      ],
    );
  });

  it('tells download failures from lock failures, unknown packages and clean runs', async () => {
    const unreachable = `${await readCaptured('update-unreachable.stdout.txt')}${await readCaptured('update-unreachable.stderr.txt')}`;
    const notFound = await readCaptured('upgrade-404.stderr.txt');
    for (const output of [unreachable, notFound]) assert.equal(isApkFetchError(output), true, output);
    const lock = await readCaptured('lock-busy.stderr.txt');
    for (const output of [
      lock,
      await readCaptured('add-unknown.stderr.txt'),
      await readCaptured('update-ok.txt'),
      await readCaptured('upgrade.txt'),
      '',
    ]) {
      assert.equal(isApkFetchError(output), false, output);
    }
    assert.equal(isApkLockError(lock), true);
    assert.equal(isApkLockError(notFound), false);
  });

  it('finds what apk del kept and summarises ERROR blocks', async () => {
    assert.deepEqual(packagesKeptByDel(await readCaptured('del-libssl3-kept.txt')), ['libssl3']);
    assert.deepEqual(packagesKeptByDel(await readCaptured('del-tree.txt')), []);
    assert.equal(
      apkErrorSummary(await readCaptured('add-unknown.stderr.txt')),
      'ERROR: unable to select packages: lpa-no-such-package (no such package): required by: world[lpa-no-such-package]',
    );
  });
});
