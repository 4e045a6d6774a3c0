import assert from 'node:assert/strict';
import { appendFileSync, closeSync, fsyncSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { AuditRecord, AuditSink } from '@linux-patch-api/core';
import { auditSinkChecks, runChecks, verifyAuditSink } from '@linux-patch-api/core/testing';

/** A correct JSON-lines sink: appends, fsyncs durable records, refuses writes after close. */
class JsonLinesSink implements AuditSink {
  readonly name = 'jsonl';
  closed = false;
  constructor(readonly path: string) {}

  async write(record: AuditRecord, options: { durable: boolean }): Promise<void> {
    if (this.closed) throw new Error('sink closed');
    const fd = openSync(this.path, 'a', 0o600);
    try {
      appendFileSync(fd, `${JSON.stringify(record)}\n`);
      if (options.durable) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

async function readJsonLines(path: string): Promise<Record<string, unknown>[]> {
  let text = '';
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function failingChecks(createSink: (path: string) => AuditSink): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'lpa-sink-kit-'));
  dirs.push(dir);
  const path = join(dir, 'audit.log');
  const results = await runChecks(auditSinkChecks(), {
    createSink: () => createSink(path),
    readRecords: () => readJsonLines(path),
  });
  return results.filter((result) => !result.passed).map((result) => result.name);
}

describe('audit sink conformance kit', () => {
  it('passes a correct sink', async () => {
    assert.deepEqual(await failingChecks((path) => new JsonLinesSink(path)), []);
  });

  it('fails a sink whose durable write resolves before the record is written', async () => {
    const failed = await failingChecks((path) => {
      const sink = new JsonLinesSink(path);
      const write = sink.write.bind(sink);
      // Buffers everything, durable or not, until close(): a durable write resolves too early.
      const pending: Array<Parameters<AuditSink['write']>> = [];
      sink.write = async (record, options) => {
        if (sink.closed) throw new Error('closed');
        pending.push([record, options]);
      };
      sink.close = async () => {
        for (const [record, options] of pending) await write(record, options);
        sink.closed = true;
      };
      return sink;
    });
    assert.deepEqual(failed, [
      'a durable write resolves only once the record is readable',
      'unicode, newlines, quotes and large fields round-trip unchanged',
    ]);
  });

  it('fails a sink that loses records buffered at close', async () => {
    const failed = await failingChecks((path) => {
      const sink = new JsonLinesSink(path);
      const write = sink.write.bind(sink);
      let buffered: Array<[AuditRecord, { durable: boolean }]> = [];
      sink.write = async (record, options) => {
        if (sink.closed) throw new Error('closed');
        if (options.durable) return write(record, options);
        buffered.push([record, options]);
      };
      sink.close = async () => {
        buffered = [];
        sink.closed = true;
      };
      return sink;
    });
    assert.deepEqual(failed, ['records written before close() are readable once close() resolves']);
  });

  it('fails a sink that alters newlines or truncates large fields', async () => {
    const failed = await failingChecks((path) => {
      const sink = new JsonLinesSink(path);
      const write = sink.write.bind(sink);
      sink.write = (record, options) =>
        write(
          Object.fromEntries(
            Object.entries(record).map(([key, value]) => [
              key,
              typeof value === 'string' ? value.replace(/\n/g, ' ').slice(0, 4096) : value,
            ]),
          ) as AuditRecord,
          options,
        );
      return sink;
    });
    assert.deepEqual(failed, ['unicode, newlines, quotes and large fields round-trip unchanged']);
  });

  it('fails a sink that accepts writes after close', async () => {
    const failed = await failingChecks((path) => {
      const sink = new JsonLinesSink(path);
      sink.close = async () => {};
      return sink;
    });
    assert.deepEqual(failed, ['a write after close() rejects']);
  });
});

// The registering form, run for real by node:test.
const registeredDir = await mkdtemp(join(tmpdir(), 'lpa-sink-kit-'));
verifyAuditSink({
  title: 'verifyAuditSink on a JSON-lines sink',
  createSink: () => new JsonLinesSink(join(registeredDir, 'audit.log')),
  readRecords: () => readJsonLines(join(registeredDir, 'audit.log')),
  dispose: () => rm(registeredDir, { recursive: true, force: true }),
});
