import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { ADVISORY_FIELDS, fieldsOf } from '../support/advisories.js';
import { HELLO, SEC } from '../support/sandbox/apt.js';
import { makeSandboxDir, removeSandboxDir } from '../support/sandbox/common.js';
import { type AptAgent, hostPackageState, type JobRecord, startAptAgent } from './support.js';

const CVE = 'CVE-2026-12345';

// The Debian security tracker's JSON shape (tracker/data/json): source → CVE → releases → codename.
const TRACKER = {
  [SEC]: {
    [CVE]: {
      description: 'lpa-fixture-sec before 1.1-1 mishandles input',
      scope: 'remote',
      releases: {
        bookworm: { status: 'resolved', repositories: { bookworm: '1.1-1' }, fixed_version: '1.1-1', urgency: 'high' },
        trixie: { status: 'resolved', repositories: { trixie: '1.2-1' }, fixed_version: '1.2-1', urgency: 'low' },
      },
    },
    // Never affected bookworm (fixed_version 0): no advisory.
    'CVE-2026-00002': { releases: { bookworm: { status: 'resolved', fixed_version: '0', urgency: 'unimportant' } } },
  },
  // Still open: no fix in the update, no advisory.
  [HELLO]: { 'CVE-2026-11111': { releases: { bookworm: { status: 'open', urgency: 'low' } } } },
};

const hostUnchanged = hostPackageState();
let agent: AptAgent;
const feedDir = makeSandboxDir('debian-tracker');
before(async () => {
  const trackerPath = join(feedDir, 'debian-tracker.json');
  await writeFile(trackerPath, JSON.stringify(TRACKER));
  agent = await startAptAgent({
    sandbox: { install: [`${HELLO}=1.0-1`, `${SEC}=1.0-1`] },
    config: { advisories: { debian_tracker_json: trackerPath } },
    async prepare(sandbox) {
      await writeFile(join(sandbox.root, 'etc/os-release'), 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n');
    },
  });
});
after(async () => {
  await agent?.stop();
  removeSandboxDir(feedDir);
  hostUnchanged();
});

const names = (response: { json: JobRecord }) => response.json.data.patches.map((patch: JobRecord) => patch.name);

it('joins the tracker by source package and fixed version into one advisory format', async (t) => {
  const { json } = await agent.request('GET', '/patches');
  const byName = new Map<string, JobRecord>(json.data.patches.map((patch: JobRecord) => [patch.name, patch]));
  assert.deepEqual(byName.get(SEC).advisories, [
    {
      id: CVE,
      type: 'security',
      severity: 'high',
      severity_raw: 'high',
      cves: [CVE],
      source: 'debian-security-tracker',
      url: `https://security-tracker.debian.org/tracker/${CVE}`,
      issued: null,
    },
  ]);
  assert.deepEqual(fieldsOf(byName.get(SEC).advisories[0]), [...ADVISORY_FIELDS]);
  assert.equal(byName.get(SEC).classification, 'security');
  t.diagnostic(`/patches entry: ${JSON.stringify(byName.get(SEC))}`);
  assert.equal(byName.get(SEC).security, true);
  assert.deepEqual(byName.get(HELLO).advisories, []);
  assert.equal(byName.get(HELLO).classification, 'unknown');
});

it('?cve= finds the package, ?severity= filters, and bad values are refused', async () => {
  assert.deepEqual(names(await agent.request('GET', `/patches?cve=${CVE}`)), [SEC]);
  assert.deepEqual(names(await agent.request('GET', '/patches?cve=CVE-2026-99999')), []);
  assert.deepEqual(names(await agent.request('GET', '/patches?severity=high')), [SEC]);
  assert.deepEqual(names(await agent.request('GET', '/patches?severity=low')), []);
  for (const query of ['severity=urgent', 'cve=12345', 'cve=CVE-26-1']) {
    const refused = await agent.request('GET', `/patches?${query}`);
    assert.equal(refused.status, 400, query);
    assert.equal(refused.json.error.code, 'VALIDATION_ERROR', query);
  }
});

it('/capabilities says the tracker fills severities, ids, CVEs and links', async () => {
  const { json } = await agent.request('GET', '/capabilities');
  assert.deepEqual(json.data.advisories, {
    security: true,
    severity: true,
    advisory_ids: true,
    cves: true,
    url: true,
    issued: false,
    classification: true,
    feeds: ['debian_tracker_json'],
  });
});
