import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { temporaryDirectory } from './temporary-directory.js';

// What the kernel is asked to do, seen by strace: a durable write is followed by fsync of the
// audit file before the write resolves; an ordinary write is not.

test('a durable write is fsynced before it resolves; an ordinary one is not', async (t) => {
  const dir = await temporaryDirectory(t);
  const trace = join(dir, 'trace');
  const writer = fileURLToPath(new URL('./fixtures/durable-writer.ts', import.meta.url));
  await promisify(execFile)('strace', [
    '-f',
    '-qq',
    '-y',
    '-s',
    '100',
    '-e',
    'trace=write,pwrite64,writev,pwritev,fsync,fdatasync',
    '-o',
    trace,
    process.execPath,
    '--conditions=lpa-source',
    '--import',
    'tsx',
    writer,
    join(dir, 'log'),
  ]);
  const calls = (await readFile(trace, 'utf8')).split('\n');
  const at = (predicate: (line: string) => boolean, from = 0) =>
    calls.findIndex((line, index) => index >= from && predicate(line));
  const ordinary = at((line) => /write/.test(line) && line.includes('ordinary-record'));
  const durable = at((line) => /write/.test(line) && line.includes('durable-record'));
  const resolved = at((line) => line.includes('durable-write-resolved'));
  assert.ok(ordinary !== -1 && durable > ordinary && resolved > durable, 'both records and the resolution are in the trace');
  // With -y strace names each descriptor's file: only an fsync of audit.log itself counts. The
  // closing parenthesis is not required: when another thread's call interleaves, strace splits the
  // call into `fsync(19</…/audit.log> <unfinished ...>` and a later `<... fsync resumed>` line.
  const fsyncs = calls
    .map((line, index) => (/\b(fsync|fdatasync)\(\d+<[^>]*\/audit\.log>/.test(line) ? index : -1))
    .filter((index) => index !== -1);
  assert.ok(
    fsyncs.some((index) => index > durable && index < resolved),
    'fsync between the durable record and its resolution',
  );
  assert.ok(!fsyncs.some((index) => index > ordinary && index < durable), 'no fsync for the ordinary record');
});
