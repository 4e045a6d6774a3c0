import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isLpaError } from '@linux-patch-api/core';
import { parsePlanSummary } from '../src/plan-summary.js';
import { classifySecurity } from '../src/security-origin.js';
import { parseStatusLine, statusProgressReporter } from '../src/status-fd.js';
import { parseUpgradableList } from '../src/upgradable-list.js';

// `apt-get --print-uris -V` summaries as apt-get 2.6 prints them (captured on sandbox roots and a Debian 12 host).
const INSTALL_SUMMARY = [
  'Reading package lists...',
  'Building dependency tree...',
  'Reading state information...',
  'The following additional packages will be installed:',
  '   lpa-fixture-dep (1.0-1)',
  'The following NEW packages will be installed:',
  '   lpa-fixture-dep (1.0-1)',
  'The following packages will be upgraded:',
  '   lpa-fixture-hello (1.0-1 => 1.1-1)',
  '   libc6:i386 (2.36-9+deb12u3 => 2.36-9+deb12u4)',
  'The following packages will be DOWNGRADED:',
  '   lpa-fixture-sec (1.1-1 => 1.0-1)',
  'The following packages will be REMOVED:',
  '   oldpkg* (1:0.9-2)',
  '2 upgraded, 1 newly installed, 1 downgraded, 1 to remove and 3 not upgraded.',
  'Need to get 0 B/1648 B of archives.',
  "'file:/srv/repo/./lpa-fixture-dep_1.0-1_all.deb' lpa-fixture-dep_1.0-1_all.deb 816 MD5Sum:4b9e75034fc7f17fe00046d6672f5c19",
].join('\n');

describe('parsePlanSummary', () => {
  it('reads new, upgraded, downgraded and removed packages with their versions', () => {
    assert.deepEqual(
      parsePlanSummary(INSTALL_SUMMARY).map((c) => `${c.action} ${c.name} ${c.from_version}>${c.to_version}`),
      [
        'installed lpa-fixture-dep null>1.0-1',
        'upgraded lpa-fixture-hello 1.0-1>1.1-1',
        'upgraded libc6:i386 2.36-9+deb12u3>2.36-9+deb12u4',
        'downgraded lpa-fixture-sec 1.1-1>1.0-1',
        'removed oldpkg 1:0.9-2>null',
      ],
    );
  });

  it('is empty when apt has nothing to do, and refuses a summary that does not add up', () => {
    assert.deepEqual(
      parsePlanSummary(
        'lpa-fixture-hello is already the newest version (1.1-1).\n0 upgraded, 0 newly installed, 0 to remove and 1 not upgraded.',
      ),
      [],
    );
    assert.throws(
      () =>
        parsePlanSummary(
          'The following packages will be upgraded:\n   a b c\n1 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.',
        ),
      (error: unknown) => isLpaError(error, 'LPA_ERR_BACKEND'),
    );
    assert.throws(
      () => parsePlanSummary('E: something else'),
      (error: unknown) => isLpaError(error, 'LPA_ERR_BACKEND'),
    );
  });
});

describe('security classification', () => {
  it('is true for a *-security suite, false for other suites, null when apt names none', () => {
    assert.equal(classifySecurity(['stable', 'stable-security']), true);
    assert.equal(classifySecurity(['jammy-security']), true);
    assert.equal(classifySecurity(['bookworm-updates']), false);
    assert.equal(classifySecurity(['stable']), false);
    assert.equal(classifySecurity([]), null);
  });
});

describe('status-fd progress', () => {
  it('maps dlstatus into the first fifth and pmstatus into the rest, never backwards', () => {
    assert.deepEqual(parseStatusLine('dlstatus:1:50.0:Retrieving file 1 of 2'), {
      percent: 10,
      message: 'Retrieving file 1 of 2',
    });
    assert.deepEqual(parseStatusLine('pmstatus:lpa-fixture-hello:50:Installing lpa-fixture-hello'), {
      percent: 60,
      message: 'Installing lpa-fixture-hello',
    });
    assert.equal(parseStatusLine('pmconffile:/etc/x:...'), null);
    const seen: number[] = [];
    const report = statusProgressReporter((percent) => seen.push(percent));
    for (const line of ['pmstatus:a:10:x', 'pmstatus:a:5:x', 'pmstatus:a:90:x', 'garbage']) report(line);
    assert.deepEqual(seen, [28, 92]);
  });
});

// `apt list --upgradable` on a Debian 12 root whose lists come from deb.debian.org (captured here).
const APT_LIST = [
  'Listing...',
  'appstream/oldstable 0.16.1-2+b1 amd64 [upgradable from: 0.16.1-2]',
  'libcap2/oldstable 1:2.66-4+deb12u3+b1 amd64 [upgradable from: 1:2.66-4+deb12u2+b2]',
  'tzdata/oldstable-security 2026f-0+deb12u1 all [upgradable from: 2025b-0+deb12u2]',
  'libc6/oldstable,oldstable-security 2.36-9+deb12u13 amd64 [upgradable from: 2.36-9+deb12u10]',
  'libfoo1/jammy-updates,jammy-security 1.2-1ubuntu0.1 i386 [upgradable from: 1.2-1]',
  // A flat repository whose Release has no Suite: apt cannot tell, so neither can we.
  'lpa-fixture-sec/unknown 1.1-1 all [upgradable from: 1.0-1]',
].join('\n');

describe('parseUpgradableList', () => {
  it('reads name, versions, architecture and suites, and classifies by the suites', () => {
    assert.deepEqual(
      parseUpgradableList(APT_LIST).map((u) => [
        u.name,
        u.current_version,
        u.available_version,
        u.architecture,
        u.security,
        u.repository,
      ]),
      [
        ['appstream', '0.16.1-2', '0.16.1-2+b1', 'amd64', false, 'oldstable'],
        ['libcap2', '1:2.66-4+deb12u2+b2', '1:2.66-4+deb12u3+b1', 'amd64', false, 'oldstable'],
        ['tzdata', '2025b-0+deb12u2', '2026f-0+deb12u1', 'all', true, 'oldstable-security'],
        ['libc6', '2.36-9+deb12u10', '2.36-9+deb12u13', 'amd64', true, 'oldstable, oldstable-security'],
        ['libfoo1', '1.2-1', '1.2-1ubuntu0.1', 'i386', true, 'jammy-updates, jammy-security'],
        ['lpa-fixture-sec', '1.0-1', '1.1-1', 'all', null, null],
      ],
    );
  });
});
