import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyAuditSink } from '@linux-patch-api/core/testing';
import { JournaldSink, SyslogSink } from '../src/index.js';

// journald: a test-owned datagram socket stands in for /run/systemd/journal/socket; records are
// read back from the LPA_RECORD field of what arrived. syslog: a real rsyslogd writes what it
// receives to a file, one RFC 5424 line per record with the JSON record as MSG.

interface Receiver {
  bind(path: string): void;
  on(event: 'message', listener: (message: Buffer) => void): void;
  close(): void;
}
const unixDgram = createRequire(import.meta.url)('unix-dgram') as { createSocket(type: 'unix_dgram'): Receiver };

function lpaRecordOf(datagram: Buffer): string | null {
  const binary = datagram.indexOf(Buffer.from('\nLPA_RECORD\n'));
  if (binary !== -1) {
    const start = binary + '\nLPA_RECORD\n'.length;
    const length = Number(datagram.readBigUInt64LE(start));
    return datagram.subarray(start + 8, start + 8 + length).toString('utf8');
  }
  const line = datagram
    .toString('utf8')
    .split('\n')
    .find((field) => field.startsWith('LPA_RECORD='));
  return line === undefined ? null : line.slice('LPA_RECORD='.length);
}

const dir = await mkdtemp(join(tmpdir(), 'lpa-journald-conformance-'));
const journalSocket = join(dir, 'journal.socket');
const datagrams: Buffer[] = [];
const receiver = unixDgram.createSocket('unix_dgram');
receiver.on('message', (message) => datagrams.push(Buffer.from(message)));
receiver.bind(journalSocket);

/**
 * A durable write resolved once its datagram sat in our receiver's socket buffer; the receiver reads
 * one datagram per event-loop poll phase. So: let poll phases run (setImmediate comes right after
 * one) until three rounds in a row bring nothing new (bounded).
 */
async function drained(): Promise<void> {
  for (let quiet = 0, round = 0; quiet < 3 && round < 500; round += 1) {
    const before = datagrams.length;
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 5));
    quiet = datagrams.length === before ? quiet + 1 : 0;
  }
}

verifyAuditSink({
  title: 'journald sink conformance',
  createSink: () => new JournaldSink({ socketPath: journalSocket }),
  async readRecords() {
    await drained();
    return datagrams.flatMap((datagram) => {
      const json = lpaRecordOf(datagram);
      return json === null ? [] : [JSON.parse(json) as Record<string, unknown>];
    });
  },
  dispose: () => receiver.close(),
});

const syslogDir = join(dir, 'syslog');
await mkdir(join(syslogDir, 'work'), { recursive: true });
const syslogSocket = join(syslogDir, 'log');
const syslogOutput = join(syslogDir, 'out.log');
await writeFile(
  join(syslogDir, 'rsyslog.conf'),
  [
    `global(workDirectory="${syslogDir}/work" maxMessageSize="256k")`,
    'module(load="imuxsock" SysSock.Use="off")',
    `input(type="imuxsock" Socket="${syslogSocket}" UseSpecialParser="off" ParseHostname="on" RateLimit.Interval="0")`,
    // Only the MSG (the JSON record), so it can be read back as it was written.
    'template(name="msgOnly" type="string" string="%msg%\\n")',
    `action(type="omfile" file="${syslogOutput}" template="msgOnly")`,
    '',
  ].join('\n'),
);
const rsyslogd: ChildProcess = spawn('rsyslogd', ['-n', '-f', join(syslogDir, 'rsyslog.conf'), '-i', join(syslogDir, 'pid')], {
  stdio: 'ignore',
});
for (let i = 0; i < 1000 && !existsSync(syslogSocket); i += 1) await new Promise((resolve) => setTimeout(resolve, 10));

let seenLines = 0;
verifyAuditSink({
  title: 'syslog sink conformance (real rsyslogd)',
  createSink: () => new SyslogSink({ socketPath: syslogSocket, maxMessageBytes: 200 * 1024 }),
  async readRecords() {
    // rsyslog writes asynchronously, and on a busy machine in several goes: wait (bounded, 10 s)
    // until the file has grown past what we saw and then stayed the same for 100 ms.
    let lines: string[] = [];
    let unchangedPolls = 0;
    for (let i = 0; i < 500 && unchangedPolls < 5; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      const text = existsSync(syslogOutput) ? await readFile(syslogOutput, 'utf8') : '';
      const previous = lines.length;
      lines = text.split('\n').filter((line) => line.startsWith('{'));
      unchangedPolls = lines.length > seenLines && lines.length === previous ? unchangedPolls + 1 : 0;
    }
    seenLines = lines.length;
    return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  },
  async dispose() {
    const exited = new Promise((resolve) => rsyslogd.once('exit', resolve));
    rsyslogd.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  },
});
