import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  errorSummary,
  isFetchError,
  isLockError,
  ProgressTracker,
  parsePrintedTargets,
  parseUpgradeList,
} from '../src/output.js';
import { findCachedPackage, parsePackageFileName } from '../src/package-cache.js';
import { ignoreDetail, parseIgnoreLists, parsePacmanOptions } from '../src/pacman-conf.js';

// Outputs of pacman 6.0.2 (Debian 12) on a sandbox root, as the tests in backend.test.ts produce them.
const FAILED_DB_SYNC = [
  ':: Synchronizing package databases...',
  ' fixtures downloading...',
  "error: failed retrieving file 'fixtures.db' from disk : Couldn't open file /srv/repo/fixtures.db",
  'error: failed to synchronize all databases (download library error)',
].join('\n');
const FAILED_PACKAGE_DOWNLOAD = [
  ':: Retrieving packages...',
  ' lpa-fixture-hello-1.0-1-any downloading...',
  "error: failed retrieving file 'lpa-fixture-hello-1.0-1-any.pkg.tar.zst' from disk : Couldn't open file /srv/repo/lpa-fixture-hello-1.0-1-any.pkg.tar.zst",
  'warning: failed to retrieve some files',
  'error: failed to commit transaction (failed to retrieve some files)',
  'Errors occurred, no packages were upgraded.',
].join('\n');
// An Arch mirror answering 404 (pacman 6 on Arch).
const MIRROR_404 = "error: failed retrieving file 'core.db' from mirror.example.org : The requested URL returned error: 404";
const LOCKED = [
  'error: failed to init transaction (unable to lock database)',
  'error: could not lock database: File exists',
  "  if you're sure a package manager is not already",
  '  running, you can remove /var/lib/pacman/db.lck',
].join('\n');
const LOCKED_SYNC = ':: Synchronizing package databases...\nerror: failed to synchronize all databases (unable to lock database)';

describe('pacman output parsers', () => {
  it('reads -Qu lines and marks ignored packages', () => {
    assert.deepEqual(parseUpgradeList('lpa-fixture-hello 1.0-1 -> 1.1-1\nlinux 6.6.1.arch1-1 -> 6.6.2.arch1-1 [ignored]\n'), [
      { name: 'lpa-fixture-hello', currentVersion: '1.0-1', availableVersion: '1.1-1', ignored: false },
      { name: 'linux', currentVersion: '6.6.1.arch1-1', availableVersion: '6.6.2.arch1-1', ignored: true },
    ]);
    assert.deepEqual(parseUpgradeList(''), []);
  });

  it('reads only the marked --print-format lines', () => {
    assert.deepEqual(
      parsePrintedTargets('loading packages...\nlpa-target\tlpa-fixture-dep\t1.0-1\nlpa-target\tlpa-fixture-hello\t1:1.1-1\n'),
      [
        { name: 'lpa-fixture-dep', version: '1.0-1' },
        { name: 'lpa-fixture-hello', version: '1:1.1-1' },
      ],
    );
  });

  it('tells download failures from lock failures and clean runs', () => {
    for (const output of [FAILED_DB_SYNC, FAILED_PACKAGE_DOWNLOAD, MIRROR_404]) assert.equal(isFetchError(output), true, output);
    for (const output of [LOCKED, LOCKED_SYNC, '', 'installing lpa-fixture-hello...', 'error: target not found: nope']) {
      assert.equal(isFetchError(output), false, output);
    }
    assert.equal(isLockError(LOCKED), true);
    assert.equal(isLockError(LOCKED_SYNC), true);
    assert.equal(isLockError(FAILED_DB_SYNC), false);
  });

  it('summarises error lines and dependency breakage', () => {
    const output = [
      'checking dependencies...',
      'error: failed to prepare transaction (could not satisfy dependencies)',
      ":: removing lpa-fixture-dep breaks dependency 'lpa-fixture-dep>=1.0' required by lpa-fixture-hello",
    ].join('\n');
    assert.equal(
      errorSummary(output),
      "error: failed to prepare transaction (could not satisfy dependencies); :: removing lpa-fixture-dep breaks dependency 'lpa-fixture-dep>=1.0' required by lpa-fixture-hello",
    );
  });

  it('turns the pipe output and the terminal (n/m) form into rising progress', () => {
    const pipe = new ProgressTracker();
    const lines = [
      'resolving dependencies...',
      'Packages (2) lpa-fixture-dep-1.0-1  lpa-fixture-hello-1.1-1',
      ':: Retrieving packages...',
      ':: Processing package changes...',
      'installing lpa-fixture-dep...',
      'upgrading lpa-fixture-hello...',
    ];
    const percents = lines.map((line) => pipe.update(line)?.percent ?? null);
    assert.deepEqual(percents, [null, 5, 10, 50, 75, 99]);

    const tty = new ProgressTracker();
    assert.deepEqual(tty.update('(1/4) upgrading linux  [######] 100%'), { percent: 62, message: '(1/4) upgrading linux' });
    assert.deepEqual(tty.update('(4/4) removing foo  [######] 100%'), { percent: 99, message: '(4/4) removing foo' });
  });
});

describe('package cache file names and pacman.conf', () => {
  it('splits NAME-PKGVER-PKGREL-ARCH.pkg.tar.EXT and skips signatures and partial downloads', () => {
    assert.deepEqual(parsePackageFileName('lpa-fixture-hello-1.0-1-any.pkg.tar.zst'), {
      name: 'lpa-fixture-hello',
      version: '1.0-1',
      architecture: 'any',
    });
    assert.deepEqual(parsePackageFileName('python-foo-bar-2:1.2.3-4.1-x86_64.pkg.tar.xz'), {
      name: 'python-foo-bar',
      version: '2:1.2.3-4.1',
      architecture: 'x86_64',
    });
    assert.equal(parsePackageFileName('lpa-fixture-hello-1.0-1-any.pkg.tar.zst.sig'), null);
    assert.equal(parsePackageFileName('lpa-fixture-hello-1.0-1-any.pkg.tar.zst.part'), null);
    assert.equal(parsePackageFileName('download-abc123'), null);
  });

  it('finds a cached package file by exact version, or the newest pkgrel when none is given', async () => {
    const first = await mkdtemp(join(tmpdir(), 'lpa-pacman-cache-'));
    const second = await mkdtemp(join(tmpdir(), 'lpa-pacman-cache-'));
    try {
      for (const name of [
        'hello-1.0-1-any.pkg.tar.zst',
        'hello-1.0-1-any.pkg.tar.zst.sig',
        'hello-1.1-1-any.pkg.tar.zst',
        'hello-world-1.0-3-any.pkg.tar.zst',
      ]) {
        await writeFile(join(first, name), '');
      }
      await writeFile(join(second, 'hello-1.0-2-x86_64.pkg.tar.xz'), '');
      assert.equal(
        (await findCachedPackage([first, second], 'hello', '1.0-1'))?.path,
        join(first, 'hello-1.0-1-any.pkg.tar.zst'),
      );
      assert.equal(
        (await findCachedPackage([first, second], 'hello', '1.0'))?.path,
        join(second, 'hello-1.0-2-x86_64.pkg.tar.xz'),
      );
      assert.equal(await findCachedPackage([first, second], 'hello', '1.0-3'), null, 'hello-world-1.0-3 is another package');
      assert.equal(await findCachedPackage([first, join(first, 'missing')], 'hello', '0.9'), null);
    } finally {
      await rm(first, { recursive: true, force: true });
      await rm(second, { recursive: true, force: true });
    }
  });

  it('reads DBPath, LogFile and every CacheDir from [options] only', () => {
    const options = parsePacmanOptions(
      [
        '[options]',
        'DBPath = /srv/db/',
        'CacheDir = /a/ /b',
        'CacheDir = /c # comment',
        'LogFile = /srv/log/pacman.log',
        '[core]',
        'CacheDir = /not-this',
        '',
      ].join('\n'),
    );
    assert.deepEqual(options, { dbPath: '/srv/db', cacheDirs: ['/a', '/b', '/c'], logFile: '/srv/log/pacman.log' });
    assert.deepEqual(parsePacmanOptions(''), {
      dbPath: '/var/lib/pacman',
      cacheDirs: ['/var/cache/pacman/pkg'],
      logFile: '/var/log/pacman.log',
    });
  });

  it('reads IgnorePkg and IgnoreGroup from [options] and says which one holds a package back', () => {
    const lists = parseIgnoreLists(
      ['[options]', 'IgnorePkg = linux* glibc', 'IgnoreGroup = gnome', '[core]', 'IgnorePkg = not-this', ''].join('\n'),
    );
    assert.deepEqual(lists, { packages: ['linux*', 'glibc'], groups: ['gnome'] });
    assert.equal(ignoreDetail('linux-lts', lists, '/etc/pacman.conf'), 'IgnorePkg = linux* in /etc/pacman.conf');
    assert.equal(ignoreDetail('glibc', lists, '/etc/pacman.conf'), 'IgnorePkg = glibc in /etc/pacman.conf');
    assert.equal(ignoreDetail('gnome-shell', lists, '/etc/pacman.conf'), 'IgnoreGroup = gnome in /etc/pacman.conf');
  });
});
