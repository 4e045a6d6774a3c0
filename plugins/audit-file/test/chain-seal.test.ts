import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { hashAuditLine } from '@linux-patch-api/core';
import { listAuditFiles, readAuditSeal, verifyAuditFiles } from '../../../core/src/audit/verify.js';
import { runAuditVerify } from '../../../core/src/cli/audit-verify.js';
import { FileAuditSink } from '../src/index.js';
import { manualClock, readLines, record } from './helpers.js';
import { temporaryDirectory } from './temporary-directory.js';

const at = (second: number) => `2026-11-22T03:00:${String(second).padStart(2, '0')}.000Z`;

async function verifyCli(logDir: string): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runAuditVerify(['verify', logDir], { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

test('checkpoint and agent_stop lines carry the head hash and record count; audit.seal names the last one', async (t) => {
  const logDir = await temporaryDirectory(t);
  const sink = await FileAuditSink.open({ logDir, retentionDays: 30 });
  await sink.write(record('agent_start', at(0)), { durable: false });
  await sink.write(record('api_request', at(1)), { durable: false });
  await sink.write(record('chain_checkpoint', at(2)), { durable: false });
  await sink.write(record('chain_checkpoint', at(3)), { durable: false });
  await sink.write(record('api_request', at(4)), { durable: false });
  await sink.write(record('agent_stop', at(5)), { durable: false });
  await sink.close();

  const lines = await readLines(join(logDir, 'audit.log'));
  const events = lines.map((line) => JSON.parse(line));
  assert.deepEqual(
    events.map((r) => r.event),
    ['agent_start', 'api_request', 'chain_checkpoint', 'api_request', 'agent_stop'],
    'a checkpoint with nothing new to seal is not written',
  );
  assert.deepEqual([events[2].head_hash, events[2].records], [hashAuditLine(lines[1]!), 2]);
  assert.deepEqual([events[4].head_hash, events[4].records], [hashAuditLine(lines[3]!), 4]);
  const seal = JSON.parse(await readFile(join(logDir, 'audit.seal'), 'utf8'));
  assert.deepEqual(seal, { records: 5, head_hash: hashAuditLine(lines[4]!), timestamp: at(5) });

  const files = await listAuditFiles(logDir);
  assert.deepEqual(await verifyAuditFiles(files, await readAuditSeal(files)), {
    ok: true,
    files: 1,
    records: 5,
    sealed: { records_after_seal: 0 },
  });
  assert.equal((await verifyCli(logDir)).code, 0);
});

test('lines removed from the end of audit.log are reported missing after the last checkpoint', async (t) => {
  const logDir = await temporaryDirectory(t);
  const sink = await FileAuditSink.open({ logDir, retentionDays: 30 });
  for (let n = 0; n < 6; n += 1) await sink.write(record('api_request', at(n), { n }), { durable: false });
  await sink.write(record('agent_stop', at(6)), { durable: false });
  await sink.close();

  const path = join(logDir, 'audit.log');
  const lines = await readLines(path);
  await writeFile(path, `${lines.slice(0, -2).join('\n')}\n`);

  const { code, err } = await verifyCli(logDir);
  assert.equal(code, 1);
  assert.match(err.join('\n'), /audit\.log:5: 2 or more records missing after the last checkpoint/);
});

test('a reopened sink counts the lines already in audit.log', async (t) => {
  const logDir = await temporaryDirectory(t);
  // The records' own day, so that reopening does not rotate audit.log.
  const clock = manualClock(at(10));
  const first = await FileAuditSink.open({ logDir, retentionDays: 30, clock: clock.now });
  for (let n = 0; n < 3; n += 1) await first.write(record('api_request', at(n), { n }), { durable: false });
  await first.close();
  const second = await FileAuditSink.open({ logDir, retentionDays: 30, clock: clock.now });
  await second.write(record('chain_checkpoint', at(4)), { durable: false });
  await second.close();
  const events = (await readLines(join(logDir, 'audit.log'))).map((line) => JSON.parse(line));
  assert.equal(events.at(-1).records, 3);
  assert.equal((await verifyCli(logDir)).code, 0);
});
