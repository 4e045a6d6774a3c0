import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { waitFor } from '../support/wait.js';
import { type AuditAgent, startAuditAgent } from './support.js';

// A host without journald but with a syslog daemon (OpenRC/Alpine): `audit.sinks: [auto]` picks
// syslog. A real rsyslogd listens on a temp socket (handed to the plugin as LPA_SYSLOG_SOCKET) and
// writes what it gets as RFC 5424 lines.

let dir: string;
let rsyslogd: ChildProcess;
let output: string;
let agent: AuditAgent;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lpa-e2e-syslog-'));
  await mkdir(join(dir, 'work'));
  const socket = join(dir, 'log');
  output = join(dir, 'messages');
  await writeFile(
    join(dir, 'rsyslog.conf'),
    [
      `global(workDirectory="${dir}/work")`,
      'module(load="imuxsock" SysSock.Use="off")',
      `input(type="imuxsock" Socket="${socket}" UseSpecialParser="off" ParseHostname="on" IgnoreTimestamp="off" RateLimit.Interval="0")`,
      `action(type="omfile" file="${output}" template="RSYSLOG_SyslogProtocol23Format")`,
      '',
    ].join('\n'),
  );
  rsyslogd = spawn('rsyslogd', ['-n', '-f', join(dir, 'rsyslog.conf'), '-i', join(dir, 'pid')], { stdio: 'ignore' });
  await waitFor(() => existsSync(socket), { what: 'the rsyslog socket' });
  agent = await startAuditAgent({
    sinks: ['auto'],
    env: { LPA_JOURNALD_SOCKET: join(dir, 'no-journald'), LPA_SYSLOG_SOCKET: socket },
  });
});

after(async () => {
  await agent?.dispose();
  const exited = new Promise((resolve) => rsyslogd.once('exit', resolve));
  rsyslogd.kill('SIGTERM');
  await exited;
  await rm(dir, { recursive: true, force: true });
});

async function lineWith(needle: string): Promise<string> {
  return waitFor(
    async () => (existsSync(output) ? await readFile(output, 'utf8') : '').split('\n').find((line) => line.includes(needle)),
    { what: `a syslog line with ${needle}` },
  );
}

it('auto chooses syslog when there is no journald: RFC 5424 lines with structured data and the JSON record', async () => {
  await lineWith(' agent_start [lpa@32473 ');
  const res = await agent.request('GET', '/system/info');
  const requestId = res.json.request_id;
  const line = await lineWith(`request_id="${requestId}"`);
  assert.match(line, /^<86>1 \S+ \S+ linux-patch-api \d+ api_request \[lpa@32473 /);
  assert.ok(line.includes(`client_cn="${agent.pki.client.commonName}"`));
  assert.ok(line.includes('ip="127.0.0.1"'));
  assert.ok(line.includes('path="/system/info"'));
  const record = JSON.parse(line.slice(line.indexOf('] {') + 2));
  assert.equal(record.request_id, requestId);
  assert.equal(record.client.fingerprint256, agent.pki.client.fingerprint256);
  assert.deepEqual(await agent.auditRecords(), [], 'the file sink only stands by');
});
