import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, open, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { listAuditFiles, verifyAuditFiles } from '../../../core/src/audit/verify.js';
import { FileAuditSink } from '../src/index.js';
import { manualClock, record } from './helpers.js';
import { temporaryDirectory } from './temporary-directory.js';

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

test('on a full file system a write is refused whole: no half line, the chain stays intact, writing resumes once there is room', async (t) => {
  const dir = await temporaryDirectory(t);
  const mountPoint = join(dir, 'small');
  await mkdir(mountPoint);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'tmpfs', mountPoint]);
  try {
    await exerciseFullDisk(mountPoint);
  } finally {
    execFileSync('umount', [mountPoint]);
  }
});

async function exerciseFullDisk(mountPoint: string): Promise<void> {
  const logDir = join(mountPoint, 'log');

  const sink = await FileAuditSink.open({ logDir, retentionDays: 30 });
  try {
    await fillAndRecover(sink, mountPoint, logDir);
  } finally {
    await sink.close();
  }
}

async function fillAndRecover(sink: FileAuditSink, mountPoint: string, logDir: string): Promise<void> {
  await sink.write(record('agent_start', '2026-11-22T03:00:00.000Z'), { durable: true });
  const filler = join(mountPoint, 'filler');
  await fill(filler);

  // Lines larger than the room left in the file's last page: the write is short, then ENOSPC.
  const bulky = 'x'.repeat(6000);
  await assert.rejects(sink.write(record('job_intent', '2026-11-22T03:00:01.000Z', { job_id: 'j1', bulky }), { durable: true }), {
    code: 'ENOSPC',
  });
  await assert.rejects(sink.write(record('api_request', '2026-11-22T03:00:02.000Z', { bulky }), { durable: false }), {
    code: 'ENOSPC',
  });
  const lines = (await readFile(join(logDir, 'audit.log'), 'utf8')).split('\n');
  assert.equal(lines.at(-1), '', 'the file ends with a complete line');
  assert.deepEqual(
    lines.filter(Boolean).map((line) => JSON.parse(line).event),
    ['agent_start'],
  );

  await unlink(filler);
  await sink.write(record('job_intent', '2026-11-22T03:00:03.000Z', { job_id: 'j2', bulky }), { durable: true });
  assert.deepEqual(await verifyAuditFiles(await listAuditFiles(logDir)), { ok: true, files: 1, records: 2 });
}

test('a rotation that fails on a full disk keeps audit.log whole and writable, and is retried minutes later', async (t) => {
  const dir = await temporaryDirectory(t);
  const mountPoint = join(dir, 'small');
  await mkdir(mountPoint);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'tmpfs', mountPoint]);
  try {
    const logDir = join(mountPoint, 'log');
    const clock = manualClock('2026-11-21T23:00:00.000Z');
    const sink = await FileAuditSink.open({ logDir, retentionDays: 30, clock: clock.now });
    try {
      for (let n = 0; n < 3; n += 1)
        await sink.write(record('api_request', clock.now().toISOString(), { n }), { durable: false });
      const filler = join(mountPoint, 'filler');
      await fill(filler);
      clock.set('2026-11-22T00:00:10.000Z');
      // The compressed copy cannot be written; the small record still fits in audit.log's last page.
      await sink.write(record('api_request', clock.now().toISOString(), { n: 3 }), { durable: true });
      assert.deepEqual(await readdir(logDir), ['audit.log'], 'no rotated or partial file left behind');
      await unlink(filler);
      await sink.write(record('api_request', clock.now().toISOString(), { n: 4 }), { durable: false });
      assert.deepEqual(await readdir(logDir), ['audit.log'], 'not retried at every record');
      clock.set('2026-11-22T00:06:00.000Z');
      await sink.write(record('api_request', clock.now().toISOString(), { n: 5 }), { durable: false });
      assert.deepEqual((await readdir(logDir)).sort(), ['audit-2026-11-21.log.gz', 'audit.log']);
      assert.deepEqual(await verifyAuditFiles(await listAuditFiles(logDir)), { ok: true, files: 2, records: 6 });
    } finally {
      await sink.close();
    }
  } finally {
    execFileSync('umount', [mountPoint]);
  }
});
