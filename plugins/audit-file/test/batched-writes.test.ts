import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { type FileHandle, mkdir, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { hashAuditLine } from '@linux-patch-api/core';
import { listAuditFiles, verifyAuditFiles } from '../../../core/src/audit/verify.js';
import { FileAuditSink } from '../src/index.js';
import { readLines, record } from './helpers.js';
import { temporaryDirectory } from './temporary-directory.js';

test('records handed over in one event-loop turn are appended with one write, in order, each chained to the one before', async (t) => {
  const dir = await temporaryDirectory(t);
  const trace = join(dir, 'trace');
  const logDir = join(dir, 'log');
  const writer = fileURLToPath(new URL('./fixtures/turn-writer.ts', import.meta.url));
  await promisify(execFile)('strace', [
    '-f',
    '-qq',
    '-y',
    '-s',
    '64',
    '-e',
    'trace=write,pwrite64,writev,pwritev',
    '-o',
    trace,
    process.execPath,
    '--conditions=lpa-source',
    '--import',
    'tsx',
    writer,
    logDir,
  ]);
  const calls = (await readFile(trace, 'utf8')).split('\n');
  const written = calls.findIndex((line) => line.includes('turn-written'));
  assert.ok(written !== -1, 'the writer reported its turn as written');
  const toAuditLog = (line: string) => /\bp?writev?(64)?\(\d+<[^>]*\/audit\.log>/.test(line);
  assert.equal(calls.slice(0, written).filter(toAuditLog).length, 1, 'one write for the 40 records of the turn');
  assert.equal(calls.slice(written).filter(toAuditLog).length, 1, 'the record of a later turn has its own write');

  const lines = await readLines(join(logDir, 'audit.log'));
  assert.deepEqual(
    lines.map((line) => JSON.parse(line).marker),
    [...Array.from({ length: 40 }, (_, n) => `turn-record-${n}`), 'lone-record'],
  );
  for (let n = 1; n < lines.length; n += 1) assert.equal(JSON.parse(lines[n]!).prev_hash, hashAuditLine(lines[n - 1]!));
  assert.deepEqual(await verifyAuditFiles([join(logDir, 'audit.log')]), { ok: true, files: 1, records: 41 });
});

test('a durable record resolves only once every record handed over before it is in the file', async (t) => {
  const logDir = join(await temporaryDirectory(t), 'log');
  const sink = await FileAuditSink.open({ logDir, retentionDays: 30 });
  t.after(() => sink.close());
  const ordinary = Array.from({ length: 25 }, (_, n) =>
    sink.write(record('api_request', '2026-11-22T03:00:00.000Z', { n }), { durable: false }),
  );
  await sink.write(record('job_intent', '2026-11-22T03:00:01.000Z', { n: 25 }), { durable: true });
  const lines = await readLines(join(logDir, 'audit.log'));
  assert.deepEqual(
    lines.map((line) => JSON.parse(line).n),
    Array.from({ length: 26 }, (_, n) => n),
  );
  await Promise.all(ordinary);
  assert.deepEqual(await verifyAuditFiles([join(logDir, 'audit.log')]), { ok: true, files: 1, records: 26 });
});

test('records still pending when close() is called are written before it resolves; later writes reject', async (t) => {
  const logDir = join(await temporaryDirectory(t), 'log');
  const sink = await FileAuditSink.open({ logDir, retentionDays: 30 });
  const pending = Array.from({ length: 30 }, (_, n) =>
    sink.write(record('api_request', '2026-11-22T03:00:00.000Z', { n }), { durable: n === 29 }),
  );
  await sink.close();
  await Promise.all(pending);
  await assert.rejects(sink.write(record('api_request', '2026-11-22T03:00:01.000Z', { n: 30 }), { durable: false }), /closed/);
  assert.deepEqual(
    (await readLines(join(logDir, 'audit.log'))).map((line) => JSON.parse(line).n),
    Array.from({ length: 30 }, (_, n) => n),
  );
});

/** Fills the file system until it refuses another byte. */
async function fill(path: string): Promise<void> {
  const handle = await open(path, 'w');
  try {
    const block = Buffer.alloc(4096, 0x61);
    for (;;) await handle.write(block);
  } catch (error) {
    assert.equal((error as NodeJS.ErrnoException).code, 'ENOSPC');
  } finally {
    await handle.close();
  }
}

/** Runs `body` with a file sink in a 64 KiB tmpfs under the test's directory; closes and unmounts after. */
async function onSmallFileSystem(
  t: TestContext,
  body: (sink: FileAuditSink, mountPoint: string, logDir: string) => Promise<void>,
): Promise<void> {
  const mountPoint = join(await temporaryDirectory(t), 'small');
  await mkdir(mountPoint);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'tmpfs', mountPoint]);
  try {
    const logDir = join(mountPoint, 'log');
    const sink = await FileAuditSink.open({ logDir, retentionDays: 30 });
    try {
      await body(sink, mountPoint, logDir);
    } finally {
      await sink.close();
    }
  } finally {
    execFileSync('umount', [mountPoint]);
  }
}

/**
 * On a full disk, writes in one turn two small records that fit in the room left in audit.log's
 * last page and, between them, one too large for it (so the three together do not fit), then one
 * durable record; checks that only the large one is refused and the others are in the file once each.
 */
async function batchOnFullDisk(sink: FileAuditSink, mountPoint: string, logDir: string, beforeBatch: () => void): Promise<void> {
  await sink.write(record('agent_start', '2026-11-22T03:00:00.000Z'), { durable: true });
  const filler = join(mountPoint, 'filler');
  await fill(filler);
  beforeBatch();
  const small = sink.write(record('api_request', '2026-11-22T03:00:01.000Z', { n: 1 }), { durable: false });
  const bulky = sink.write(record('api_request', '2026-11-22T03:00:02.000Z', { n: 2, bulky: 'x'.repeat(6000) }), {
    durable: false,
  });
  const durable = sink.write(record('job_intent', '2026-11-22T03:00:03.000Z', { n: 3 }), { durable: true });
  await assert.rejects(bulky, { code: 'ENOSPC' });
  await small;
  await durable;
  const text = await readFile(join(logDir, 'audit.log'), 'utf8');
  assert.ok(text.endsWith('\n'), 'the file ends with a complete line');
  assert.deepEqual(
    text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line).n ?? 'start'),
    ['start', 1, 3],
  );
  assert.deepEqual(await verifyAuditFiles(await listAuditFiles(logDir)), { ok: true, files: 1, records: 3 });
  await unlink(filler);
}

test('on a full disk, a batch that does not fit is refused only for the record that does not fit; the others are written, chained', async (t) => {
  await onSmallFileSystem(t, (sink, mountPoint, logDir) => batchOnFullDisk(sink, mountPoint, logDir, () => {}));
});

test('when even the rollback of a failed batch fails, the file is cut back on reopening: no line of the batch stays or is written twice', async (t) => {
  await onSmallFileSystem(t, (sink, mountPoint, logDir) =>
    batchOnFullDisk(sink, mountPoint, logDir, () => {
      // Fault injection on the real, open audit.log: its next truncate (the rollback) fails.
      const { handle } = sink as unknown as { handle: FileHandle };
      handle.truncate = async () => {
        throw Object.assign(new Error('injected I/O error'), { code: 'EIO' });
      };
    }),
  );
});
