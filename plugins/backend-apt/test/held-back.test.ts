import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { InstalledPackage, Upgrade } from '@linux-patch-api/core';
import { parseAptPolicy } from '../src/apt-policy.js';
import { compareDebianVersions } from '../src/debian-version.js';
import { markHeldBack, parseKeptBack } from '../src/held-back.js';

// Captured with apt 2.6.1 on a sandbox root: lpa-held on dpkg hold, lpa-pinned pinned to 1.0-1 at
// 1001, lpa-phased 1.1-1 at Phased-Update-Percentage 0 on a root with a machine id, lpa-free free.
const fixture = (name: string) => readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8');
const POLICY = fixture('apt-cache-policy.txt');
const DIST_UPGRADE = fixture('apt-get-dist-upgrade-kept-back.txt');

const upgrade = (name: string): Upgrade => ({
  name,
  current_version: '1.0-1',
  available_version: '1.1-1',
  architecture: 'all',
  security: false,
  severity: null,
  advisories: [],
  repository: null,
});
const installed = (name: string): InstalledPackage => ({
  name,
  version: '1.0-1',
  architecture: 'all',
  status: 'installed',
  description: null,
  installed_size: null,
});

describe('apt held-back updates', () => {
  it('reads the kept-back set and the policy table (candidate, priorities, phasing)', () => {
    assert.deepEqual([...parseKeptBack(DIST_UPGRADE)], ['lpa-held', 'lpa-phased']);
    assert.deepEqual([...parseKeptBack('The following packages have been kept back:\n  a b\n  c\nDone\n')], ['a', 'b', 'c']);
    const policy = parseAptPolicy(POLICY);
    assert.deepEqual(policy.get('lpa-pinned'), {
      installed: '1.0-1',
      candidate: '1.0-1',
      versions: [
        { version: '1.1-1', priority: 500, phasedPercent: null },
        { version: '1.0-1', priority: 1001, phasedPercent: null },
      ],
    });
    assert.deepEqual(policy.get('lpa-phased')?.versions[0], { version: '1.1-1', priority: 500, phasedPercent: 0 });
  });

  it('tells held, phased, dependency and pinned apart, and leaves the free update alone', () => {
    const marked = markHeldBack({
      upgradable: ['lpa-held', 'lpa-phased', 'lpa-free', 'lpa-needs-new'].map(upgrade),
      holds: new Set(['lpa-held']),
      keptBack: new Set([...parseKeptBack(DIST_UPGRADE), 'lpa-needs-new']),
      policy: parseAptPolicy(POLICY),
      installed: ['lpa-held', 'lpa-pinned', 'lpa-phased', 'lpa-free', 'lpa-needs-new'].map(installed),
      compare: compareDebianVersions,
    });
    assert.deepEqual(
      marked.map((entry) => [entry.name, entry.available_version, entry.held_back?.reason ?? null]),
      [
        ['lpa-held', '1.1-1', 'held'],
        ['lpa-phased', '1.1-1', 'phased'],
        ['lpa-free', '1.1-1', null],
        ['lpa-needs-new', '1.1-1', 'dependency'],
        ['lpa-pinned', '1.1-1', 'pinned'],
      ],
    );
    assert.equal(
      marked.find((entry) => entry.name === 'lpa-pinned')?.held_back?.detail,
      'apt preferences: candidate 1.0-1 has priority 1001, 1.1-1 has 500',
    );
  });
});
