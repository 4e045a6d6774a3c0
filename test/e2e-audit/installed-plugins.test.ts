import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { openAuditTrail } from '../../core/src/audit/open-audit-trail.js';
import { createHooks } from '../../core/src/hooks.js';
import { loadPlugins } from '../../core/src/loader/load-plugins.js';
import { createMemoryLogger } from '../../core/src/testing/index.js';
import { waitFor } from '../support/wait.js';
import { readAuditRecords } from './support.js';

// The audit plugins as the agent finds them: discovered by the loader among the installed
// @linux-patch-api packages, their sinks chosen by `audit.sinks`, records written for real.

interface Receiver {
  bind(path: string): void;
  on(event: 'message', listener: (message: Buffer) => void): void;
  close(): void;
}
const unixDgram = createRequire(import.meta.url)('unix-dgram') as { createSocket(type: 'unix_dgram'): Receiver };

let dir: string;
let receiver: Receiver;
const datagrams: string[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lpa-audit-plugins-'));
  receiver = unixDgram.createSocket('unix_dgram');
  receiver.on('message', (message) => datagrams.push(message.toString('utf8')));
  receiver.bind(join(dir, 'journal.socket'));
  process.env.LPA_JOURNALD_SOCKET = join(dir, 'journal.socket');
  process.env.LPA_SYSLOG_SOCKET = join(dir, 'no-syslog');
});

after(async () => {
  receiver.close();
  await rm(dir, { recursive: true, force: true });
});

async function trailFor(sinks: string[], logDir: string) {
  const logger = createMemoryLogger();
  const registry = await loadPlugins({ plugins: [] }, logger, createHooks());
  const definitions = registry.auditSinks.map((entry) => entry.definition);
  return { definitions, audit: await openAuditTrail({ sinkNames: sinks, logDir, retentionDays: 30, definitions, logger }) };
}

it('the loader finds the journald, syslog and file sinks of the installed audit plugins', async () => {
  const { definitions, audit } = await trailFor(['file'], join(dir, 'log-a'));
  assert.deepEqual(definitions.map((definition) => definition.name).sort(), ['file', 'journald', 'syslog']);
  await audit.close();
});

it('[auto] with a journald socket writes to journald; the file sink stands by', async () => {
  const logDir = join(dir, 'log-b');
  const { audit } = await trailFor(['auto'], logDir);
  audit.record('agent_start', { pid: 1 });
  await audit.recordDurable('job_intent', { job_id: 'j-auto' });
  await audit.close();
  await waitFor(() => datagrams.some((text) => text.includes('LPA_JOB_ID=j-auto')), { what: 'the intent in journald' });
  assert.deepEqual(await readAuditRecords(logDir), []);
});

it('[journald, file] writes both; [file] writes the file only, chained', async () => {
  const both = join(dir, 'log-c');
  const first = await trailFor(['journald', 'file'], both);
  first.audit.record('api_request', { request_id: 'r-both' });
  await first.audit.close();
  await waitFor(() => datagrams.some((text) => text.includes('LPA_REQUEST_ID=r-both')), { what: 'the request in journald' });
  assert.deepEqual(
    (await readAuditRecords(both)).map((record) => record.request_id),
    ['r-both'],
  );

  const only = join(dir, 'log-d');
  const before = datagrams.length;
  const second = await trailFor(['file'], only);
  second.audit.record('api_request', { request_id: 'r-1' });
  second.audit.record('api_request', { request_id: 'r-2' });
  await second.audit.close();
  const records = await readAuditRecords(only);
  assert.deepEqual(
    records.map((record) => record.request_id),
    ['r-1', 'r-2'],
  );
  assert.equal(records[0]!.prev_hash, null);
  assert.equal(typeof records[1]!.prev_hash, 'string');
  assert.equal(datagrams.length, before, 'nothing went to journald');
});

it('an audit.sinks name no plugin provides refuses the start with the name', async () => {
  await assert.rejects(trailFor(['journal'], join(dir, 'log-e')), /"journal"/);
});
