import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from '../../src/logger.js';

test('every log line carries the time it was written (RFC 3339 UTC, milliseconds), also lines of the same moment', async () => {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line));
      callback();
    },
  });
  const logger = createLogger({ level: 'info', destination });
  const before = Date.now();
  logger.info({ n: 1 }, 'first');
  logger.info({ n: 2 }, 'second');
  // The next millisecond at least: the time of a later line is not the cached one of the earlier.
  while (Date.now() < before + 5) await new Promise((resolve) => setTimeout(resolve, 1));
  logger.info({ n: 3 }, 'third');
  const after = Date.now();
  assert.equal(lines.length, 3);
  for (const line of lines) {
    assert.match(String(line.time), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    const time = Date.parse(String(line.time));
    assert.ok(time >= before && time <= after, `${line.time} is when the line was written`);
  }
  assert.ok(Date.parse(String(lines[2]!.time)) >= before + 5, 'a later line has a later time');
  assert.equal(lines[0]!.msg, 'first');
  assert.equal(lines[0]!.name, 'linux-patch-api');
  assert.equal(lines[0]!.pid, process.pid);
});
