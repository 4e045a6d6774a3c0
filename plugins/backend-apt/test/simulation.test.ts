import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifySecurity, parseReleaseOrigins } from '../src/security-origin.js';
import { parseSimulation, toPlannedChanges } from '../src/simulation.js';
import { parseStatusLine, statusProgressReporter } from '../src/status-fd.js';

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
