import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isLpaError } from '@linux-patch-api/core';
import { createProcessRunner, RecordingRunner, TranscriptRunner } from '@linux-patch-api/core/testing';

describe('TranscriptRunner', () => {
  it('replays the entry whose argv matches exactly, line by line', async () => {
    const runner = new TranscriptRunner([
      { argv: ['/sbin/apk', 'info', '-v'], stdout: 'musl-1.2.5-r0\nbusybox-1.36.1-r29\n', statusLines: ['pmstatus:x:50:half'] },
      { argv: ['/sbin/apk', 'upgrade', '--simulate'], stdout: '', stderr: 'ERROR: unable to select packages\n', exitCode: 1 },
    ]);
    const lines: string[] = [];
    const status: string[] = [];
    const result = await runner.run({
      file: '/sbin/apk',
      args: ['info', '-v'],
      onLine: (line, stream) => lines.push(`${stream}:${line}`),
      onStatusLine: (line) => status.push(line),
    });
    assert.equal(result.exitCode, 0);
    assert.equal(result.stdout, 'musl-1.2.5-r0\nbusybox-1.36.1-r29\n');
    assert.deepEqual(lines, ['stdout:musl-1.2.5-r0', 'stdout:busybox-1.36.1-r29']);
    assert.deepEqual(status, ['pmstatus:x:50:half']);
    const failed = await runner.run({ file: '/sbin/apk', args: ['upgrade', '--simulate'] });
    assert.equal(failed.exitCode, 1);
    assert.match(failed.stderr, /unable to select/);
    assert.deepEqual(runner.argvs, [
      ['/sbin/apk', 'info', '-v'],
      ['/sbin/apk', 'upgrade', '--simulate'],
    ]);
  });

  it('rejects an argv it has no capture for, naming it, and records the attempt', async () => {
    const runner = new TranscriptRunner([{ argv: ['/sbin/apk', 'info'], stdout: '' }]);
    await assert.rejects(runner.run({ file: '/sbin/apk', args: ['info', '--', 'curl'] }), (error) => {
      assert.ok(isLpaError(error, 'LPA_ERR_BACKEND'));
      assert.match(error.message, /"--","curl"/);
      return true;
    });
    assert.equal(runner.invocations.length, 1);
  });

  it('replays repeated commands in capture order, then repeats the last', async () => {
    const runner = new TranscriptRunner([
      { argv: ['/usr/bin/yum', 'list', 'installed'], stdout: 'before' },
      { argv: ['/usr/bin/yum', 'list', 'installed'], stdout: 'after' },
    ]);
    const outputs = [];
    for (let i = 0; i < 3; i++) outputs.push((await runner.run({ file: '/usr/bin/yum', args: ['list', 'installed'] })).stdout);
    assert.deepEqual(outputs, ['before', 'after', 'after']);
  });

  it('loads captures from a JSON file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lpa-transcript-'));
    try {
      const file = join(dir, 'apk.json');
      await writeFile(file, JSON.stringify({ entries: [{ argv: ['/sbin/apk', '--version'], stdout: 'apk-tools 2.14.4\n' }] }));
      const runner = await TranscriptRunner.fromFile(file);
      assert.equal((await runner.run({ file: '/sbin/apk', args: ['--version'] })).stdout, 'apk-tools 2.14.4\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('RecordingRunner', () => {
  it('without a delegate starts nothing and rejects', async () => {
    const runner = new RecordingRunner();
    await assert.rejects(runner.run({ file: '/bin/touch', args: ['/nonexistent/x'] }), (error) =>
      isLpaError(error, 'LPA_ERR_BACKEND'),
    );
    assert.deepEqual(runner.argvs, [['/bin/touch', '/nonexistent/x']]);
  });

  it('hands commands to the real runner and records them', async () => {
    const runner = new RecordingRunner(createProcessRunner());
    const result = await runner.run({ file: '/bin/echo', args: ['hello', '$(id)'] });
    assert.equal(result.stdout, 'hello $(id)\n');
    assert.deepEqual(runner.argvs, [['/bin/echo', 'hello', '$(id)']]);
  });
});
