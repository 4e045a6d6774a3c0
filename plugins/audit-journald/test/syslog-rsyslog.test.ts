import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { AuditRecord } from '@linux-patch-api/core';
import { SD_ID, SyslogSink, TRUNCATION_MARKER } from '../src/index.js';

// A real rsyslogd owned by this test: it listens on a socket in a temp dir and writes what it
// receives, re-serialised as RFC 5424 (RSYSLOG_SyslogProtocol23Format), to a temp file.

let dir: string;
let socketPath: string;
let outputPath: string;
let rsyslogd: ChildProcess;

async function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 1000; i += 1) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lpa-rsyslog-'));
  socketPath = join(dir, 'log');
  outputPath = join(dir, 'out.log');
  await mkdir(join(dir, 'work'));
  const config = join(dir, 'rsyslog.conf');
  await writeFile(
    config,
    [
      `global(workDirectory="${dir}/work")`,
      'module(load="imuxsock" SysSock.Use="off")',
      `input(type="imuxsock" Socket="${socketPath}" UseSpecialParser="off" ParseHostname="on" IgnoreTimestamp="off" RateLimit.Interval="0")`,
      `action(type="omfile" file="${outputPath}" template="RSYSLOG_SyslogProtocol23Format")`,
      '',
    ].join('\n'),
  );
  rsyslogd = spawn('rsyslogd', ['-n', '-f', config, '-i', join(dir, 'rsyslogd.pid')], { stdio: 'ignore' });
  await waitFor(() => (existsSync(socketPath) ? true : undefined), 'the rsyslog socket');
});

after(async () => {
  const exited = new Promise((resolve) => rsyslogd.once('exit', resolve));
  rsyslogd.kill('SIGTERM');
  await exited;
  await rm(dir, { recursive: true, force: true });
});

async function lineWith(marker: string): Promise<string> {
  return waitFor(async () => {
    const text = existsSync(outputPath) ? await readFile(outputPath, 'utf8') : '';
    return text.split('\n').find((line) => line.includes(marker));
  }, `a syslog line with ${marker}`);
}

/** Parses `[id name="value" …]` per RFC 5424 §6.3, undoing the `\"`, `\\` and `\]` escapes. */
function parseStructuredData(line: string, id: string): Map<string, string> {
  const start = line.indexOf(`[${id} `);
  assert.notEqual(start, -1, `structured data ${id} present`);
  const params = new Map<string, string>();
  let i = start + id.length + 2;
  while (line[i] !== ']') {
    const equals = line.indexOf('="', i);
    assert.ok(equals > i, `a PARAM-NAME="…" at ${i} of ${line}`);
    const name = line.slice(i, equals);
    let value = '';
    i = equals + 2;
    while (line[i] !== '"') {
      assert.ok(i < line.length, `the value of ${name} ends`);
      if (line[i] === '\\' && ['"', '\\', ']'].includes(line[i + 1]!)) i += 1;
      value += line[i];
      i += 1;
    }
    params.set(name, value);
    i += 1;
    if (line[i] === ' ') i += 1;
  }
  return params;
}

test('an RFC 5424 message reaches rsyslog with its header, structured data and the JSON record', async () => {
  const sink = new SyslogSink({ socketPath });
  const record: AuditRecord = {
    event: 'auth_failure',
    timestamp: '2026-11-22T03:10:00.000Z',
    request_id: null,
    client: { cn: 'mallory', serial: '99', fingerprint256: 'FF:EE' },
    ip: '192.0.2.7',
    reason: 'certificate expired',
  };
  assert.deepEqual(await sink.write(record, { durable: true }), { truncated: false });
  await sink.close();
  const line = await lineWith('"mallory"');
  // <authpriv(10)*8 + warning(4)>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID
  assert.match(line, new RegExp(`^<84>1 2026-11-22T03:10:00(\\.0+)?Z \\S+ linux-patch-api ${process.pid} auth_failure \\[`));
  const params = parseStructuredData(line, SD_ID);
  assert.equal(params.get('event'), 'auth_failure');
  assert.equal(params.get('client_cn'), 'mallory');
  assert.equal(params.get('client_fingerprint'), 'FF:EE');
  assert.equal(params.get('ip'), '192.0.2.7');
  assert.equal(params.get('reason'), 'certificate expired');
  assert.deepEqual(JSON.parse(line.slice(line.indexOf('] {') + 2)), record);
});

test('a value containing ", \\ and ] round-trips through rsyslog', async () => {
  const sink = new SyslogSink({ socketPath });
  const tricky = 'evil"quote\\back]slash] end\\';
  await sink.write(
    { event: 'config_reload', timestamp: '2026-11-22T03:10:01.000Z', accepted: false, reason: tricky, job_id: 'rt-1' },
    { durable: false },
  );
  await sink.close();
  const line = await lineWith('job_id="rt-1"');
  const params = parseStructuredData(line, SD_ID);
  assert.equal(params.get('reason'), tricky);
  assert.equal(params.get('event'), 'config_reload');
  assert.equal(JSON.parse(line.slice(line.indexOf('] {') + 2)).reason, tricky);
});

test('a record over the message limit is cut with a marker and reported as truncated', async () => {
  const sink = new SyslogSink({ socketPath, maxMessageBytes: 1024 });
  const changes = Array.from({ length: 100 }, (_, i) => ({
    name: `p${i}`,
    action: 'removed',
    from_version: '1',
    to_version: null,
  }));
  const result = await sink.write(
    { event: 'job_completed', timestamp: '2026-11-22T03:10:02.000Z', job_id: 'big-1', status: 'completed', changes },
    { durable: false },
  );
  await sink.close();
  assert.deepEqual(result, { truncated: true });
  const line = await lineWith('job_id="big-1"');
  assert.ok(line.endsWith(TRUNCATION_MARKER));
  assert.ok(Buffer.byteLength(line) <= 1024 + 64, 'rsyslog got at most the limit (plus its own header rewrite)');
});
