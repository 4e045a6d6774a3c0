import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isLpaError } from '@linux-patch-api/core';
import { ArchAuditFeed, archAuditAdvisories, parseArchAudit } from '../src/arch-audit.js';
import { vercmp } from '../src/vercmp.js';

const HELLO = 'lpa-fixture-hello';
// The shape of security.archlinux.org/issues/all.json (what arch-audit reads), with fixture packages.
const FIXTURE = join(import.meta.dirname, 'fixtures/arch-audit-all.json');
const document: unknown = JSON.parse(readFileSync(FIXTURE, 'utf8'));

describe('arch-audit feed', () => {
  it('keeps, per package name, the groups with a fixed version; still vulnerable and not affected ones are left out', () => {
    const avgs = parseArchAudit(document);
    assert.deepEqual(
      avgs.get(HELLO)?.map((avg) => [avg.name, avg.fixed]),
      [
        ['AVG-9001', '1.1-1'],
        ['AVG-9002', '1.2-1'],
        ['AVG-9004', '0.9-1'],
      ],
    );
    assert.deepEqual(
      avgs.get(`lib32-${HELLO}`)?.map((avg) => avg.name),
      ['AVG-9001'],
    );
    assert.equal(avgs.has('lpa-fixture-dep'), false);
  });

  it('an update gets the groups fixed after the installed version and at or before the new one', () => {
    const avgs = parseArchAudit(document).get(HELLO) ?? [];
    const records = archAuditAdvisories(avgs, '1.0-1', '1.1-1', vercmp);
    assert.deepEqual(records, [
      {
        id: 'AVG-9001',
        type: 'security',
        severity: 'high',
        severity_raw: 'High',
        cves: ['CVE-2026-30001', 'CVE-2026-30002'],
        source: 'arch-security',
        url: 'https://security.archlinux.org/AVG-9001',
        issued: null,
      },
    ]);
    assert.deepEqual(
      archAuditAdvisories(avgs, '1.0-1', '1.2-1', vercmp).map((record) => [record.id, record.severity]),
      [
        ['AVG-9001', 'high'],
        ['AVG-9002', 'low'],
      ],
    );
    // Already fixed in the installed version: nothing new.
    assert.deepEqual(archAuditAdvisories(avgs, '1.1-1', '1.1-2', vercmp), []);
    // pacman's ordering, not a string one: 1.10 is after 1.9.
    const tenth = [{ name: 'AVG-9100', fixed: '1.10-1', severity: 'Medium', type: null, issues: [] }];
    assert.equal(archAuditAdvisories(tenth, '1.9-1', '1.10-1', vercmp).length, 1);
    assert.equal(archAuditAdvisories(tenth, '1.9-1', '1.9-2', vercmp).length, 0);
  });

  it('refuses a file that is not a list of AVG entries; the feed rereads the file when it changes', async () => {
    assert.throws(
      () => parseArchAudit({ packages: [] }),
      (error) => isLpaError(error, 'LPA_ERR_BACKEND'),
    );
    const dir = await mkdtemp(join(tmpdir(), 'lpa-arch-audit-'));
    try {
      const path = join(dir, 'all.json');
      const feed = new ArchAuditFeed();
      await writeFile(path, JSON.stringify(document));
      assert.equal((await feed.read(path)).get(HELLO)?.length, 3);
      await writeFile(path, JSON.stringify([{ name: 'AVG-1', packages: [HELLO], status: 'Fixed', fixed: '2.0-1', issues: [] }]));
      assert.deepEqual(
        (await feed.read(path)).get(HELLO)?.map((avg) => avg.name),
        ['AVG-1'],
      );
      await writeFile(path, 'not json');
      await assert.rejects(feed.read(path), (error) => isLpaError(error, 'LPA_ERR_BACKEND'));
      await assert.rejects(feed.read(join(dir, 'missing.json')), (error) => isLpaError(error, 'LPA_ERR_BACKEND'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
