import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { listAuditFiles, verifyAuditFiles } from '../../core/src/audit/verify.js';
import { waitFor } from '../support/wait.js';
import { type AuditAgent, readAuditRecords, startAuditAgent } from './support.js';

// A config reload that changes `audit.sinks` and `paths.log_dir` replaces the sinks in the running
// agent: the old file ends with the reload, the new sinks get everything after it.

interface Receiver {
  bind(path: string): void;
  on(event: 'message', listener: (message: Buffer) => void): void;
  close(): void;
}
const unixDgram = createRequire(import.meta.url)('unix-dgram') as { createSocket(type: 'unix_dgram'): Receiver };

let dir: string;
let receiver: Receiver;
const datagrams: string[] = [];
let agent: AuditAgent;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lpa-e2e-reopen-'));
  receiver = unixDgram.createSocket('unix_dgram');
  receiver.on('message', (message) => datagrams.push(message.toString('utf8')));
  receiver.bind(join(dir, 'journal.socket'));
  agent = await startAuditAgent({ sinks: ['file'], env: { LPA_JOURNALD_SOCKET: join(dir, 'journal.socket') } });
});

after(async () => {
  await agent?.dispose();
  receiver.close();
  await rm(dir, { recursive: true, force: true });
});

it('new audit.sinks and log_dir take effect on reload; both files keep intact chains', async () => {
  await agent.waitForRecord('agent_start');
  assert.equal(datagrams.length, 0, 'journald is not configured yet');
  const newLogDir = join(dir, 'new-log');
  const config = parse(await readFile(agent.configPath, 'utf8'));
  config.audit = { sinks: ['journald', 'file'], retention_days: 10 };
  config.paths = { ...config.paths, log_dir: newLogDir };
  await writeFile(agent.configPath, stringify(config));
  await agent.waitForRecord('config_reload', (r) => r.accepted === true);

  const res = await waitFor(
    async () => {
      const attempt = await agent.request('GET', '/health');
      const id = attempt.json.request_id;
      return (await readAuditRecords(newLogDir)).some((r) => r.request_id === id) ? attempt : undefined;
    },
    { what: 'a request audited in the new log dir' },
  );
  const requestId = res.json.request_id;
  await waitFor(() => datagrams.some((text) => text.includes(`LPA_REQUEST_ID=${requestId}`)), {
    what: 'the request in journald',
  });
  assert.ok(!(await agent.auditRecords()).some((r) => r.request_id === requestId), 'the old file has nothing after the switch');
  assert.equal((await verifyAuditFiles(await listAuditFiles(agent.logDir))).ok, true);
  assert.equal((await verifyAuditFiles(await listAuditFiles(newLogDir))).ok, true);
});

it('a reload naming a sink no plugin provides keeps the previous sinks working', async () => {
  const config = parse(await readFile(agent.configPath, 'utf8'));
  const newLogDir = config.paths.log_dir;
  const reloads = async () => (await readAuditRecords(newLogDir)).filter((r) => r.event === 'config_reload').length;
  const before = await reloads();
  config.audit = { sinks: ['journal'], retention_days: 10 };
  await writeFile(agent.configPath, stringify(config));
  await waitFor(async () => (await reloads()) > before, { what: 'the reload on record' });
  await waitFor(() => agent.process.stdout().includes('the new audit settings cannot be opened'), {
    what: 'the refusal in the log',
  });
  const res = await agent.request('POST', '/packages', { packages: [{ name: 'extra' }] });
  assert.equal(res.status, 202, res.text);
  await waitFor(
    async () => (await readAuditRecords(newLogDir)).some((r) => r.event === 'job_intent' && r.job_id === res.json.data.id),
    {
      what: 'the intent in the still-working file sink',
    },
  );
});
