import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { ADVISORY_FIELDS, fieldsOf } from '../support/advisories.js';
import { BUGFIX_ADVISORY, SECURITY_ADVISORY } from '../support/sandbox/dnf.js';
import { HELLO, hostRpmUnchanged, type JobRecord, type RpmAgent, SEC, startRpmAgent } from './support.js';

const hostUnchanged = hostRpmUnchanged();
let agent: RpmAgent;
before(async () => {
  agent = await startRpmAgent({ install: [`${HELLO}-1.0-1`, `${SEC}-1.0-1`] });
});
after(async () => {
  await agent?.stop();
  hostUnchanged();
});

const names = (response: { json: JobRecord }) => response.json.data.patches.map((patch: JobRecord) => patch.name);

it('updateinfo gives the same advisory format: type, normalized and raw severity, the CVEs of the advisory', async (t) => {
  const { json } = await agent.request('GET', '/patches');
  const byName = new Map<string, JobRecord>(json.data.patches.map((patch: JobRecord) => [patch.name, patch]));
  assert.deepEqual(byName.get(SEC).advisories, [
    {
      id: SECURITY_ADVISORY.id,
      type: 'security',
      severity: 'high',
      severity_raw: SECURITY_ADVISORY.severity,
      cves: [SECURITY_ADVISORY.cve],
      source: 'updateinfo',
      url: null,
      issued: null,
    },
  ]);
  assert.equal(byName.get(SEC).classification, 'security');
  t.diagnostic(`/patches entry: ${JSON.stringify(byName.get(SEC))}`);
  assert.deepEqual(
    byName.get(HELLO).advisories.map((advisory: JobRecord) => [advisory.id, advisory.type, advisory.severity, advisory.cves]),
    [[BUGFIX_ADVISORY.id, 'bugfix', 'unknown', []]],
  );
  assert.equal(byName.get(HELLO).classification, 'bugfix');
  for (const patch of byName.values()) {
    for (const advisory of patch.advisories) assert.deepEqual(fieldsOf(advisory), [...ADVISORY_FIELDS]);
  }
});

it('?cve= finds the package and ?severity= filters on the normalized scale', async () => {
  assert.deepEqual(names(await agent.request('GET', `/patches?cve=${SECURITY_ADVISORY.cve}`)), [SEC]);
  assert.deepEqual(names(await agent.request('GET', '/patches?severity=high')), [SEC]);
  assert.deepEqual(names(await agent.request('GET', '/patches?severity=unknown')), [HELLO]);
  assert.deepEqual(names(await agent.request('GET', '/patches?severity=critical')), []);
  const refused = await agent.request('GET', '/patches?severity=Important');
  assert.equal(refused.status, 400);
  assert.equal(refused.json.error.code, 'VALIDATION_ERROR');
});
