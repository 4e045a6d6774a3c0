import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseSecdb, secdbAdvisories } from '../src/secdb.js';
import { compareApkVersions } from '../src/version.js';
import { ApkTranscriptRunner, createApkBackend, createApkRoot } from './transcripts.js';

const HELLO = 'lpa-fixture-hello';

// The secdb JSON shape (secdb.alpinelinux.org/<release>/main.json), trimmed to the fixture packages.
const SECDB = {
  apkurl: '{{urlprefix}}/{{distroversion}}/{{reponame}}/{{arch}}/{{pkg.name}}-{{pkg.ver}}.apk',
  archs: ['x86_64'],
  reponame: 'main',
  urlprefix: 'https://dl-cdn.alpinelinux.org/alpine',
  distroversion: 'v3.20',
  packages: [
    {
      pkg: {
        name: HELLO,
        secfixes: {
          '1.1-r0': ['CVE-2026-20001', 'CVE-2026-20002 XSA-999'],
          '1.3-r0': ['CVE-2026-20003'],
          '0': ['CVE-2020-00001'],
        },
      },
    },
  ],
};

describe('Alpine secdb feed', () => {
  it('reads secfixes per package, splitting combined ids and leaving out the never-affected 0 entry', () => {
    assert.deepEqual(parseSecdb(SECDB).get(HELLO), [
      { version: '1.1-r0', ids: ['CVE-2026-20001', 'CVE-2026-20002', 'XSA-999'] },
      { version: '1.3-r0', ids: ['CVE-2026-20003'] },
    ]);
    const fixes = parseSecdb(SECDB).get(HELLO) ?? [];
    assert.deepEqual(
      secdbAdvisories(fixes, '1.0-r0', '1.2-r0', compareApkVersions).map((record) => record.id),
      ['CVE-2026-20001', 'CVE-2026-20002', 'XSA-999'],
    );
    assert.throws(() => parseSecdb({ packages: null }));
  });

  it('joins the feed to the real apk list --upgradable output: the fixed CVEs become advisories', async () => {
    const root = await createApkRoot('installed-hello-1.0', `${HELLO}\n`);
    try {
      const feed = join(root.root, 'secdb-main.json');
      await writeFile(feed, JSON.stringify(SECDB));
      const runner = await ApkTranscriptRunner.create(root, ['list-upgradable']);
      const backend = await createApkBackend(root, runner, {
        advisoryFeeds: () => ({ debian_tracker_json: null, alpine_secdb_json: feed, arch_audit_json: null }),
      });
      const [upgrade] = await backend.listUpgrades();
      assert.deepEqual([upgrade?.name, upgrade?.current_version, upgrade?.available_version], [HELLO, '1.0-r0', '1.1-r0']);
      assert.equal(upgrade?.security, true);
      assert.deepEqual(upgrade?.advisories, ['CVE-2026-20001', 'CVE-2026-20002', 'XSA-999']);
      assert.deepEqual(upgrade?.advisory_records?.[0], {
        id: 'CVE-2026-20001',
        type: 'security',
        severity: 'unknown',
        severity_raw: null,
        cves: ['CVE-2026-20001'],
        source: 'alpine-secdb',
        url: 'https://security.alpinelinux.org/vuln/CVE-2026-20001',
        issued: null,
      });
      assert.deepEqual(backend.capabilities?.().advisories.feeds, ['alpine_secdb_json']);
    } finally {
      await root.dispose();
    }
  });
});
