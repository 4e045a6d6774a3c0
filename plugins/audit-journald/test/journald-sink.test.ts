import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { AuditRecord } from '@linux-patch-api/core';
import { JournaldSink, TRUNCATION_MARKER } from '../src/index.js';

interface Receiver {
  bind(path: string): void;
  on(event: 'message', listener: (message: Buffer) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  close(): void;
}
const unixDgram = createRequire(import.meta.url)('unix-dgram') as { createSocket(type: 'unix_dgram'): Receiver };

/** Decodes journald's native protocol, both `NAME=value\n` and `NAME\n<u64 le length><value>\n`. */
function decodeJournalDatagram(datagram: Buffer): Map<string, string> {
  const fields = new Map<string, string>();
  let offset = 0;
  while (offset < datagram.length) {
    const newline = datagram.indexOf(0x0a, offset);
    assert.notEqual(newline, -1, 'every field ends with a newline');
    const line = datagram.subarray(offset, newline).toString('utf8');
    const equals = line.indexOf('=');
    if (equals !== -1) {
      fields.set(line.slice(0, equals), line.slice(equals + 1));
      offset = newline + 1;
      continue;
    }
    const length = Number(datagram.readBigUInt64LE(newline + 1));
    const start = newline + 9;
    fields.set(line, datagram.subarray(start, start + length).toString('utf8'));
    assert.equal(datagram[start + length], 0x0a, 'a binary field ends with a newline');
    offset = start + length + 1;
  }
  return fields;
}

let dir: string;
let socketPath: string;
let receiver: Receiver;
const received: Buffer[] = [];

async function nextDatagram(count: number): Promise<Buffer> {
  for (let i = 0; i < 500 && received.length < count; i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(received.length >= count, `datagram ${count} arrived`);
  return received[count - 1]!;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lpa-journald-'));
  socketPath = join(dir, 'journal.socket');
  receiver = unixDgram.createSocket('unix_dgram');
  receiver.on('message', (message) => received.push(Buffer.from(message)));
  receiver.bind(socketPath);
});

after(async () => {
  receiver.close();
  await rm(dir, { recursive: true, force: true });
});

const client = { cn: 'admin-laptop', serial: '0A1B', fingerprint256: 'AB:CD' };

test('a record arrives as native-protocol fields with the full JSON in LPA_RECORD', async () => {
  const sink = new JournaldSink({ socketPath });
  const record: AuditRecord = {
    event: 'api_request',
    timestamp: '2026-11-22T03:00:00.000Z',
    agent: { hostname: 'h1', version: '1.0.0' },
    request_id: 'f4d1a3a2-0000-4000-8000-000000000001',
    client,
    ip: '127.0.0.1',
    method: 'POST',
    path: '/packages',
    status: 202,
    duration_ms: 12,
    job_id: 'job-1',
  };
  const result = await sink.write(record, { durable: true });
  await sink.close();
  assert.deepEqual(result, { truncated: false });
  const fields = decodeJournalDatagram(await nextDatagram(1));
  assert.equal(fields.get('SYSLOG_IDENTIFIER'), 'linux-patch-api');
  assert.equal(fields.get('PRIORITY'), '6');
  assert.match(fields.get('MESSAGE')!, /^api_request POST \/packages -> 202/);
  assert.equal(fields.get('LPA_EVENT'), 'api_request');
  assert.equal(fields.get('LPA_REQUEST_ID'), record.request_id);
  assert.equal(fields.get('LPA_CLIENT_CN'), 'admin-laptop');
  assert.equal(fields.get('LPA_CLIENT_SERIAL'), '0A1B');
  assert.equal(fields.get('LPA_CLIENT_FINGERPRINT'), 'AB:CD');
  assert.equal(fields.get('LPA_IP'), '127.0.0.1');
  assert.equal(fields.get('LPA_JOB_ID'), 'job-1');
  assert.equal(fields.get('LPA_STATUS'), '202');
  assert.deepEqual(JSON.parse(fields.get('LPA_RECORD')!), record);
});

test('values with newlines use the binary length form and round-trip', async () => {
  const sink = new JournaldSink({ socketPath });
  const reason = 'line one\nline two\n';
  await sink.write(
    { event: 'config_reload', timestamp: '2026-11-22T03:00:01.000Z', accepted: false, reason, job_id: 'a\nb' },
    { durable: false },
  );
  await sink.close();
  const datagram = await nextDatagram(2);
  assert.ok(datagram.includes(Buffer.from('LPA_REASON\n')), 'the binary form is used');
  const fields = decodeJournalDatagram(datagram);
  assert.equal(fields.get('LPA_REASON'), reason);
  assert.equal(fields.get('LPA_JOB_ID'), 'a\nb');
  assert.equal(fields.get('PRIORITY'), '4', 'a rejected reload is a warning');
  assert.ok(!fields.get('MESSAGE')!.includes('\n'), 'MESSAGE stays on one line');
});

test('a record larger than the datagram limit is cut with a marker and reported as truncated', async () => {
  const sink = new JournaldSink({ socketPath, maxDatagramBytes: 4096 });
  const changes = Array.from({ length: 400 }, (_, i) => ({
    name: `pkg-${i}`,
    action: 'installed',
    from_version: null,
    to_version: '1.0',
  }));
  const result = await sink.write(
    { event: 'job_completed', timestamp: '2026-11-22T03:00:02.000Z', job_id: 'job-big', status: 'completed', changes },
    { durable: true },
  );
  await sink.close();
  assert.deepEqual(result, { truncated: true });
  const datagram = await nextDatagram(3);
  assert.ok(datagram.length <= 4096, `datagram of ${datagram.length} bytes fits the limit`);
  const fields = decodeJournalDatagram(datagram);
  assert.equal(fields.get('LPA_RECORD_TRUNCATED'), '1');
  assert.ok(Number(fields.get('LPA_RECORD_BYTES')) > 4096);
  assert.ok(fields.get('LPA_RECORD')!.endsWith(TRUNCATION_MARKER));
  assert.equal(fields.get('LPA_JOB_ID'), 'job-big', 'indexed fields survive the cut');
});

test('a missing journald socket rejects the write', async () => {
  const sink = new JournaldSink({ socketPath: join(dir, 'absent.socket') });
  await assert.rejects(
    sink.write({ event: 'agent_start', timestamp: '2026-11-22T03:00:03.000Z' }, { durable: true }),
    /ENOENT|ECONNREFUSED/,
  );
  await sink.close();
});
