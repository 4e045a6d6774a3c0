import assert from 'node:assert/strict';
import { readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { hashAuditLine } from '@linux-patch-api/core';
import { listAuditFiles, verifyAuditFiles } from '../../../core/src/audit/verify.js';
import { FileAuditSink } from '../src/index.js';
import { manualClock, readLines, record } from './helpers.js';
import { temporaryDirectory } from './temporary-directory.js';

test('records are JSON lines in audit.log (0600, directory 0700), each linked to the previous by prev_hash', async (t) => {
  const logDir = join(await temporaryDirectory(t), 'log');
  const sink = await FileAuditSink.open({ logDir, retentionDays: 30 });
  await sink.write(record('agent_start', '2026-11-22T03:00:00.000Z'), { durable: true });
  await sink.write(record('api_request', '2026-11-22T03:00:01.000Z', { method: 'GET', path: '/health', status: 200 }), {
    durable: false,
  });
  await sink.write(record('job_intent', '2026-11-22T03:00:02.000Z', { job_id: 'j1' }), { durable: true });
  await sink.close();

  assert.equal((await stat(logDir)).mode & 0o777, 0o700);
  assert.equal((await stat(join(logDir, 'audit.log'))).mode & 0o777, 0o600);
  const lines = await readLines(join(logDir, 'audit.log'));
  const parsed = lines.map((line) => JSON.parse(line));
  assert.deepEqual(
    parsed.map((r) => r.event),
    ['agent_start', 'api_request', 'job_intent'],
  );
  assert.equal(parsed[0].prev_hash, null);
  assert.equal(parsed[1].prev_hash, hashAuditLine(lines[0]!));
  assert.equal(parsed[2].prev_hash, hashAuditLine(lines[1]!));
  assert.equal(parsed[1].path, '/health');
  assert.deepEqual(await verifyAuditFiles(await listAuditFiles(logDir)), { ok: true, files: 1, records: 3 });
});

test('an existing audit.log is made 0600 and its chain continues after a restart; a torn last line is dropped', async (t) => {
  const logDir = await temporaryDirectory(t);
  // Both runs fall on the records' own day, so reopening continues audit.log instead of rotating it.
  const clock = manualClock('2026-11-22T03:01:00.000Z');
  const first = await FileAuditSink.open({ logDir, retentionDays: 30, clock: clock.now });
  await first.write(record('agent_start', '2026-11-22T03:00:00.000Z'), { durable: true });
  await first.close();
  const path = join(logDir, 'audit.log');
  const intact = await readLines(path);
  // A crash in the middle of a write leaves a line without its newline.
  await writeFile(path, `${intact.join('\n')}\n{"event":"api_req`, { mode: 0o644 });
  const { chmod } = await import('node:fs/promises');
  await chmod(path, 0o644);

  const second = await FileAuditSink.open({ logDir, retentionDays: 30, clock: clock.now });
  await second.write(record('agent_start', '2026-11-22T03:01:00.000Z'), { durable: true });
  await second.close();
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  const lines = await readLines(path);
  assert.equal(lines.length, 2);
  assert.equal(JSON.parse(lines[1]!).prev_hash, hashAuditLine(lines[0]!));
  assert.deepEqual(await verifyAuditFiles([path]), { ok: true, files: 1, records: 2 });
});

test('rotation across a UTC day boundary: the old day is gzip-compressed and the chain runs on into the new file', async (t) => {
  const logDir = await temporaryDirectory(t);
  const clock = manualClock('2026-11-21T23:59:58.000Z');
  const sink = await FileAuditSink.open({ logDir, retentionDays: 30, clock: clock.now });
  for (let i = 0; i < 3; i += 1)
    await sink.write(record('api_request', '2026-11-21T23:59:58.000Z', { n: i }), { durable: false });
  clock.set('2026-11-22T00:00:01.000Z');
  for (let i = 3; i < 5; i += 1) await sink.write(record('api_request', '2026-11-22T00:00:01.000Z', { n: i }), { durable: true });
  await sink.close();

  assert.deepEqual((await readdir(logDir)).sort(), ['audit-2026-11-21.log.gz', 'audit.log']);
  const rotated = await readLines(join(logDir, 'audit-2026-11-21.log.gz'));
  const current = await readLines(join(logDir, 'audit.log'));
  assert.deepEqual(
    rotated.map((line) => JSON.parse(line).n),
    [0, 1, 2],
  );
  assert.deepEqual(
    current.map((line) => JSON.parse(line).n),
    [3, 4],
  );
  assert.equal(JSON.parse(current[0]!).prev_hash, hashAuditLine(rotated[2]!), 'the new file links to the rotated one');
  assert.equal((await stat(join(logDir, 'audit-2026-11-21.log.gz'))).mode & 0o777, 0o600);
  assert.deepEqual(await verifyAuditFiles(await listAuditFiles(logDir)), { ok: true, files: 2, records: 5 });
});

test('after a restart with only rotated files, the chain continues from the newest .gz', async (t) => {
  const logDir = await temporaryDirectory(t);
  const clock = manualClock('2026-11-21T12:00:00.000Z');
  const sink = await FileAuditSink.open({ logDir, retentionDays: 30, clock: clock.now });
  await sink.write(record('agent_start', '2026-11-21T12:00:00.000Z'), { durable: true });
  clock.set('2026-11-22T12:00:00.000Z');
  await sink.write(record('agent_stop', '2026-11-22T12:00:00.000Z'), { durable: true });
  await sink.close();
  const { unlink } = await import('node:fs/promises');
  // Move the current day away as if it had been rotated and removed: the chain must start from the .gz.
  const today = await readLines(join(logDir, 'audit.log'));
  await unlink(join(logDir, 'audit.log'));
  await writeFile(join(logDir, 'audit-2026-11-22.log.gz'), gzipSync(`${today.join('\n')}\n`), { mode: 0o600 });

  clock.set('2026-11-23T12:00:00.000Z');
  const restarted = await FileAuditSink.open({ logDir, retentionDays: 30, clock: clock.now });
  await restarted.write(record('agent_start', '2026-11-23T12:00:00.000Z'), { durable: true });
  await restarted.close();
  const lines = await readLines(join(logDir, 'audit.log'));
  assert.equal(JSON.parse(lines[0]!).prev_hash, hashAuditLine(today[0]!));
  assert.deepEqual(await verifyAuditFiles(await listAuditFiles(logDir)), { ok: true, files: 3, records: 3 });
});

test('retention deletes only rotated files older than the limit, and nothing else', async (t) => {
  const logDir = await temporaryDirectory(t);
  const names = [
    'audit-2026-10-01.log.gz', // 52 days old
    'audit-2026-10-22.log.gz', // 31 days: its records are all older than 30 days
    'audit-2026-10-22.2.log.gz',
    'audit-2026-10-23.log.gz', // 30 days: still holds records younger than the limit
    'audit-2026-11-21.log.gz',
    'notes.txt',
    'audit-2026-01-01.log', // not one of ours (not compressed)
  ];
  for (const name of names) await writeFile(join(logDir, name), gzipSync(''));
  const clock = manualClock('2026-11-22T08:00:00.000Z');
  const sink = await FileAuditSink.open({ logDir, retentionDays: 30, clock: clock.now });
  await sink.close();
  assert.deepEqual((await readdir(logDir)).sort(), [
    'audit-2026-01-01.log',
    'audit-2026-10-23.log.gz',
    'audit-2026-11-21.log.gz',
    'audit.log',
    'notes.txt',
  ]);
});

test('retention also runs at each rotation', async (t) => {
  const logDir = await temporaryDirectory(t);
  await writeFile(join(logDir, 'audit-2026-10-22.log.gz'), gzipSync(''));
  const clock = manualClock('2026-11-21T23:00:00.000Z');
  const sink = await FileAuditSink.open({ logDir, retentionDays: 30, clock: clock.now });
  assert.ok((await readdir(logDir)).includes('audit-2026-10-22.log.gz'), 'still within 30 days on the 21st');
  await sink.write(record('api_request', '2026-11-21T23:00:00.000Z'), { durable: false });
  clock.set('2026-11-22T00:30:00.000Z');
  await sink.write(record('api_request', '2026-11-22T00:30:00.000Z'), { durable: false });
  await sink.close();
  assert.deepEqual((await readdir(logDir)).sort(), ['audit-2026-11-21.log.gz', 'audit.log']);
});

test('five concurrent writers across a rotation lose no line and keep the chain intact', async (t) => {
  const logDir = await temporaryDirectory(t);
  const clock = manualClock('2026-11-21T23:59:59.000Z');
  const sink = await FileAuditSink.open({ logDir, retentionDays: 30, clock: clock.now });
  const perWriter = 200;
  const writers = Array.from({ length: 5 }, async (_, writer) => {
    for (let n = 0; n < perWriter; n += 1) {
      if (writer === 0 && n === perWriter / 2) clock.set('2026-11-22T00:00:00.500Z');
      await sink.write(record('api_request', clock.now().toISOString(), { writer, n }), { durable: n % 50 === 0 });
    }
  });
  await Promise.all(writers);
  await sink.close();

  const files = await listAuditFiles(logDir);
  assert.deepEqual(
    files.map((file) => file.slice(logDir.length + 1)),
    ['audit-2026-11-21.log.gz', 'audit.log'],
  );
  const seen = new Set<string>();
  const perFile = [];
  for (const file of files) {
    const lines = await readLines(file);
    perFile.push(lines.length);
    for (const line of lines) {
      const { writer, n } = JSON.parse(line);
      seen.add(`${writer}:${n}`);
    }
  }
  assert.ok(perFile[0]! > 0 && perFile[1]! > 0, `both files hold records (${perFile.join(', ')})`);
  assert.equal(seen.size, 5 * perWriter, 'every record is there exactly once');
  assert.equal(perFile[0]! + perFile[1]!, 5 * perWriter);
  assert.deepEqual(await verifyAuditFiles(files), { ok: true, files: 2, records: 5 * perWriter });
});

test('a line tampered with after the sink wrote it is caught by `audit verify`, at the line whose link it breaks', async (t) => {
  const logDir = await temporaryDirectory(t);
  const clock = manualClock('2026-11-21T22:00:00.000Z');
  const sink = await FileAuditSink.open({ logDir, retentionDays: 30, clock: clock.now });
  for (let n = 0; n < 4; n += 1)
    await sink.write(record('job_completed', clock.now().toISOString(), { n, status: 'completed' }), { durable: false });
  clock.set('2026-11-22T01:00:00.000Z');
  for (let n = 4; n < 8; n += 1)
    await sink.write(record('job_completed', clock.now().toISOString(), { n, status: 'completed' }), { durable: false });
  await sink.close();
  const { runAuditVerify } = await import('../../../core/src/cli/audit-verify.js');
  const quiet = { out: () => {}, err: () => {} };
  assert.equal(await runAuditVerify(['verify', logDir], quiet), 0);

  const path = join(logDir, 'audit-2026-11-21.log.gz');
  const lines = await readLines(path);
  lines[1] = lines[1]!.replace('"status":"completed"', '"status":"failed"');
  await writeFile(path, gzipSync(`${lines.join('\n')}\n`));
  const errors: string[] = [];
  assert.equal(await runAuditVerify(['verify', logDir], { out: () => {}, err: (line) => errors.push(line) }), 1);
  assert.match(errors[0]!, new RegExp(`${path}:3: prev_hash does not match`));
});

test('a restart on a later day rotates the old audit.log, named by the day of its records', async (t) => {
  const logDir = await temporaryDirectory(t);
  const clock = manualClock('2026-11-20T10:00:00.000Z');
  const first = await FileAuditSink.open({ logDir, retentionDays: 30, clock: clock.now });
  await first.write(record('agent_start', '2026-11-20T10:00:00.000Z'), { durable: true });
  await first.close();
  clock.set('2026-11-22T09:00:00.000Z');
  const second = await FileAuditSink.open({ logDir, retentionDays: 30, clock: clock.now });
  await second.write(record('agent_start', '2026-11-22T09:00:00.000Z'), { durable: true });
  await second.close();
  assert.deepEqual((await readdir(logDir)).sort(), ['audit-2026-11-20.log.gz', 'audit.log']);
  assert.deepEqual(await verifyAuditFiles(await listAuditFiles(logDir)), { ok: true, files: 2, records: 2 });
});

test('an idle sink rotates shortly after midnight without waiting for the next record', async (t) => {
  const logDir = await temporaryDirectory(t);
  const clock = manualClock('2026-11-21T23:59:59.500Z');
  const sink = await FileAuditSink.open({ logDir, retentionDays: 30, clock: clock.now });
  t.after(() => sink.close());
  await sink.write(record('api_request', '2026-11-21T23:59:59.500Z'), { durable: false });
  clock.set('2026-11-22T00:00:02.000Z');
  // The midnight check is armed for 00:00:01 by the sink's clock (at least a second away): poll for its work.
  const rotated = async () => {
    const names = await readdir(logDir);
    return names.includes('audit-2026-11-21.log.gz') && names.includes('audit.log');
  };
  for (let i = 0; i < 600 && !(await rotated()); i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  assert.deepEqual((await readdir(logDir)).sort(), ['audit-2026-11-21.log.gz', 'audit.log']);
  assert.deepEqual(await readLines(join(logDir, 'audit.log')), []);
});
