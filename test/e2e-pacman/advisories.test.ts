import assert from 'node:assert/strict';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { ADVISORY_FIELDS, fieldsOf } from '../support/advisories.js';
import { REPO_ROOT } from '../support/agent.js';
import { makeSandboxDir, removeSandboxDir } from '../support/sandbox/common.js';
import { HELLO } from '../support/sandbox/pacman.js';
import { hostPacmanState, type JobRecord, type PacmanAgent, startPacmanAgent } from './support.js';

// The Arch security tracker's AVG list (issues/all.json, what arch-audit reads), with fixture packages:
// AVG-9001 (High) is fixed in hello 1.1-1, AVG-9002 only in 1.2-1, AVG-9003 not at all, AVG-9004 before 1.0-1.
const FIXTURE = join(REPO_ROOT, 'plugins/backend-pacman/test/fixtures/arch-audit-all.json');

const hostUnchanged = hostPacmanState();
let agent: PacmanAgent;
const feedDir = makeSandboxDir('arch-audit');
const feedPath = join(feedDir, 'all.json');
before(async () => {
  await copyFile(FIXTURE, feedPath);
  agent = await startPacmanAgent({
    sandbox: { stage: 1, install: [HELLO] },
    config: { advisories: { arch_audit_json: feedPath } },
  });
  await agent.sandbox.publish(2);
  await agent.sandbox.pacman(['-Syy']);
});
after(async () => {
  await agent?.stop();
  removeSandboxDir(feedDir);
  hostUnchanged();
});

const names = (response: { json: JobRecord }) => response.json.data.patches.map((patch: JobRecord) => patch.name);

it('joins the AVG list by package name and fixed version into the one advisory format', async (t) => {
  const { json } = await agent.request('GET', '/patches');
  const [hello] = json.data.patches;
  t.diagnostic(`/patches entry: ${JSON.stringify(hello)}`);
  assert.deepEqual([hello.name, hello.current_version, hello.available_version], [HELLO, '1.0-1', '1.1-1']);
  assert.deepEqual(hello.advisories, [
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
  assert.deepEqual(fieldsOf(hello.advisories[0]), [...ADVISORY_FIELDS]);
  assert.equal(hello.classification, 'security');
  assert.equal(hello.security, true);
});

it('?cve= finds the package, ?severity= filters', async () => {
  assert.deepEqual(names(await agent.request('GET', '/patches?cve=CVE-2026-30002')), [HELLO]);
  // Fixed only in 1.2-1, which the repository does not offer yet.
  assert.deepEqual(names(await agent.request('GET', '/patches?cve=CVE-2026-30003')), []);
  assert.deepEqual(names(await agent.request('GET', '/patches?severity=high')), [HELLO]);
  assert.deepEqual(names(await agent.request('GET', '/patches?severity=low')), []);
  const refused = await agent.request('GET', '/patches?severity=urgent');
  assert.equal(refused.status, 400);
  assert.equal(refused.json.error.code, 'VALIDATION_ERROR');
});

it('a synced feed takes effect at the next GET /patches', async () => {
  const avgs = JSON.parse(await readFile(FIXTURE, 'utf8')) as { name: string; severity: string }[];
  const raised = avgs.map((avg) => (avg.name === 'AVG-9001' ? { ...avg, severity: 'Critical' } : avg));
  await writeFile(feedPath, JSON.stringify(raised));
  assert.deepEqual(names(await agent.request('GET', '/patches?severity=critical')), [HELLO]);
  assert.deepEqual(names(await agent.request('GET', '/patches?severity=high')), []);
});

it('/capabilities says the feed fills severities, ids, CVEs and links', async () => {
  const { json } = await agent.request('GET', '/capabilities');
  assert.deepEqual(json.data.advisories, {
    security: true,
    severity: true,
    advisory_ids: true,
    cves: true,
    url: true,
    issued: false,
    classification: true,
    feeds: ['arch_audit_json'],
  });
});
