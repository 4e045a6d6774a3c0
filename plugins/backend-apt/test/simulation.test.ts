import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifySecurity, parseReleaseOrigins } from '../src/security-origin.js';
import { parseSimulation, toPlannedChanges } from '../src/simulation.js';
import { parseStatusLine, statusProgressReporter } from '../src/status-fd.js';
import { parseUpgradableList } from '../src/upgradable-list.js';

// Lines as apt-get 2.6 prints them on a Debian 12 host with bookworm-security enabled.
const DEBIAN_HOST = [
  'Inst libc6 [2.36-9+deb12u3] (2.36-9+deb12u4 Debian:12.5/stable, Debian-Security:12/stable-security [amd64]) []',
  'Inst curl [7.88.1-10+deb12u4] (7.88.1-10+deb12u5 Debian:12.5/stable [amd64])',
  'Inst libfoo1:i386 (1.2-1 Debian:12.5/stable [i386])',
  'Inst bar [2.0-1] (1.9-1 Debian:12.5/stable [all])',
  'Remv oldpkg [0.9-2]',
  'Conf libc6 (2.36-9+deb12u4 Debian:12.5/stable, Debian-Security:12/stable-security [amd64])',
].join('\n');

describe('parseSimulation', () => {
  it('reads Inst and Remv lines with versions, architecture and origins', () => {
    const actions = parseSimulation(DEBIAN_HOST);
    assert.equal(actions.length, 5);
    assert.deepEqual(actions[0], {
      kind: 'install',
      name: 'libc6',
      currentVersion: '2.36-9+deb12u3',
      newVersion: '2.36-9+deb12u4',
      architecture: 'amd64',
      origins: [
        { label: 'Debian', suite: 'stable' },
        { label: 'Debian-Security', suite: 'stable-security' },
      ],
    });
    assert.equal(actions[2]!.name, 'libfoo1:i386');
    assert.equal(actions[2]!.currentVersion, null);
    assert.equal(actions[4]!.kind, 'remove');
  });

  it('turns actions into planned changes, telling upgrades from downgrades', () => {
    assert.deepEqual(
      toPlannedChanges(parseSimulation(DEBIAN_HOST)).map((c) => `${c.name}:${c.action}:${c.from_version}>${c.to_version}`),
      [
        'libc6:upgraded:2.36-9+deb12u3>2.36-9+deb12u4',
        'curl:upgraded:7.88.1-10+deb12u4>7.88.1-10+deb12u5',
        'libfoo1:i386:installed:null>1.2-1',
        'bar:downgraded:2.0-1>1.9-1',
        'oldpkg:removed:0.9-2>null',
      ],
    );
  });
});

describe('security classification', () => {
  it('is true for a *-security suite or label, false for others, null when apt names no origin', () => {
    assert.equal(classifySecurity(parseReleaseOrigins('Debian:12.5/stable, Debian-Security:12/stable-security')), true);
    assert.equal(classifySecurity(parseReleaseOrigins('Ubuntu:22.04/jammy-security')), true);
    assert.equal(classifySecurity(parseReleaseOrigins('LpaFixtures:stable')), false);
    assert.equal(classifySecurity(parseReleaseOrigins('Ubuntu:22.04/jammy-updates')), false);
    assert.equal(classifySecurity(parseReleaseOrigins('')), null);
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
