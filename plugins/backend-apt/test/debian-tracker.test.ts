import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isLpaError } from '@linux-patch-api/core';
import { DebianTrackerFeed, parseDebianTracker, parseSourcePackages, trackerAdvisories } from '../src/debian-tracker.js';
import { compareDebianVersions } from '../src/debian-version.js';

// The tracker's JSON shape (security-tracker.debian.org/tracker/data/json), trimmed to one package.
const TRACKER = {
  openssl: {
    'CVE-2024-0727': {
      description: 'PKCS12 NULL dereference',
      scope: 'local',
      releases: {
        bookworm: {
          status: 'resolved',
          repositories: { bookworm: '3.0.11-1~deb12u2', 'bookworm-security': '3.0.13-1~deb12u1' },
          fixed_version: '3.0.13-1~deb12u1',
          urgency: 'not yet assigned',
        },
        bullseye: { status: 'open', repositories: { bullseye: '1.1.1w-0+deb11u1' }, urgency: 'low' },
      },
    },
    'CVE-2023-5678': {
      releases: { bookworm: { status: 'resolved', fixed_version: '3.0.11-1~deb12u2', urgency: 'medium' } },
    },
    'CVE-2010-0001': { releases: { bookworm: { status: 'resolved', fixed_version: '0', urgency: 'unimportant' } } },
  },
};

describe('Debian security tracker feed', () => {
  it('keeps the resolved CVEs of one release, skipping open ones and the never-affected sentinel 0', () => {
    const bookworm = parseDebianTracker(TRACKER, 'bookworm').get('openssl');
    assert.deepEqual(
      bookworm?.map((fix) => [fix.cve, fix.fixedVersion, fix.urgency]),
      [
        ['CVE-2024-0727', '3.0.13-1~deb12u1', 'not yet assigned'],
        ['CVE-2023-5678', '3.0.11-1~deb12u2', 'medium'],
      ],
    );
    assert.equal(parseDebianTracker(TRACKER, 'bullseye').get('openssl'), undefined);
    assert.throws(
      () => parseDebianTracker([], 'bookworm'),
      (error: unknown) => isLpaError(error, 'LPA_ERR_BACKEND'),
    );
  });

  it('an update fixes what is fixed after the installed version and at or before the new one', () => {
    const fixes = parseDebianTracker(TRACKER, 'bookworm').get('openssl') ?? [];
    const records = trackerAdvisories(fixes, '3.0.11-1~deb12u2', '3.0.13-1~deb12u1', compareDebianVersions);
    assert.deepEqual(records, [
      {
        id: 'CVE-2024-0727',
        type: 'security',
        severity: 'unknown',
        severity_raw: 'not yet assigned',
        cves: ['CVE-2024-0727'],
        source: 'debian-security-tracker',
        url: 'https://security-tracker.debian.org/tracker/CVE-2024-0727',
        issued: null,
      },
    ]);
    assert.deepEqual(trackerAdvisories(fixes, '3.0.13-1~deb12u1', '3.0.14-1', compareDebianVersions), []);
  });

  it('reads each binary package’s source from apt-cache show, the package itself when no Source is given', () => {
    const output = [
      'Package: libssl3',
      'Source: openssl (3.0.13-1~deb12u1)',
      'Version: 3.0.13-1~deb12u1',
      '',
      'Package: openssl',
      'Version: 3.0.13-1~deb12u1',
      '',
    ].join('\n');
    assert.deepEqual(
      [...parseSourcePackages(output)],
      [
        ['libssl3=3.0.13-1~deb12u1', 'openssl'],
        ['openssl=3.0.13-1~deb12u1', 'openssl'],
      ],
    );
  });

  it('a feed file that is not JSON is a BACKEND_ERROR naming the file, not a bare parse error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lpa-tracker-'));
    try {
      const path = join(dir, 'tracker.json');
      writeFileSync(path, '{"openssl": {');
      const error = await new DebianTrackerFeed().read(path, 'bookworm').then(
        () => assert.fail('a truncated file was accepted'),
        (caught: unknown) => caught,
      );
      assert.ok(isLpaError(error) && error.code === 'LPA_ERR_BACKEND', String(error));
      assert.match((error as Error).message, /tracker\.json/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
