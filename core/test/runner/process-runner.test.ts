import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { isLpaError } from '@linux-patch-api/core';
import { ProcessRunner } from '../../src/runner/process-runner.js';

const runner = new ProcessRunner();
const NODE = process.execPath;
const temps: string[] = [];
after(async () => {
  for (const dir of temps) await rm(dir, { recursive: true, force: true });
});

/** Whether `pid` is gone (zombies count as gone: they cannot run, only wait to be reaped). */
function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') ?? true;
  } catch {
    return true;
  }
}

async function waitUntil(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (condition()) return;
    await delay(50);
  }
  assert.fail(`gave up waiting: ${what}`);
}

describe('ProcessRunner', () => {
  it('passes arguments verbatim, never through a shell', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lpa-runner-'));
    temps.push(dir);
    const hostile = [
      `$(touch ${dir}/a)`,
      `\`touch ${dir}/b\``,
      `x; touch ${dir}/c`,
      `| touch ${dir}/d`,
      '*',
      '\'quoted\' "double"',
      '--',
      '-n',
    ];
    const result = await runner.run({ file: '/usr/bin/printf', args: ['%s\\n', ...hostile], cwd: dir });
    assert.equal(result.exitCode, 0);
    assert.equal(result.stdout, `${hostile.join('\n')}\n`);
    assert.deepEqual(await readdir(dir), [], 'an argument was interpreted by a shell');
  });

  it('refuses a program given by relative name, and starts nothing', async () => {
    for (const file of ['printf', './printf', 'bin/printf']) {
      await assert.rejects(runner.run({ file, args: [] }), (error) => isLpaError(error) && /relative name/.test(error.message));
    }
  });

  it('rejects with LPA_ERR_BACKEND when the program cannot be started', async () => {
    await assert.rejects(
      runner.run({ file: '/nonexistent/lpa-no-such-program', args: [] }),
      (error) => isLpaError(error, 'LPA_ERR_BACKEND') && /could not start/.test(error.message),
    );
  });

  it('returns exit codes, stdout and stderr instead of throwing', async () => {
    const result = await runner.run({ file: '/bin/sh', args: ['-c', 'echo out; echo err >&2; exit 3'] });
    assert.deepEqual(
      [result.exitCode, result.signal, result.stdout, result.stderr, result.timedOut, result.aborted],
      [3, null, 'out\n', 'err\n', false, false],
    );
  });

  it('gives the child a scrubbed environment: nothing of the parent leaks, only the base and what the spec adds', async () => {
    const saved = { secret: process.env.LPA_TEST_SECRET, preload: process.env.LD_PRELOAD };
    process.env.LPA_TEST_SECRET = 'do-not-leak';
    process.env.LD_PRELOAD = '/nonexistent/lpa-evil.so';
    try {
      const result = await runner.run({ file: '/usr/bin/env', args: [], env: { DEBIAN_FRONTEND: 'noninteractive' } });
      const names = result.stdout
        .trim()
        .split('\n')
        .map((line) => line.split('=')[0])
        .sort();
      assert.deepEqual(names, ['DEBIAN_FRONTEND', 'LANG', 'LC_ALL', 'PATH']);
      assert.ok(!result.stdout.includes('do-not-leak'));
      assert.match(result.stdout, /^LANG=C\.UTF-8$/m);
    } finally {
      if (saved.secret === undefined) delete process.env.LPA_TEST_SECRET;
      else process.env.LPA_TEST_SECRET = saved.secret;
      if (saved.preload === undefined) delete process.env.LD_PRELOAD;
      else process.env.LD_PRELOAD = saved.preload;
    }
  });

  it('writes input to stdin; without input stdin is at end of file', async () => {
    assert.equal((await runner.run({ file: '/bin/cat', args: [], input: 'yes\nno\n' })).stdout, 'yes\nno\n');
    const empty = await runner.run({ file: '/bin/cat', args: [] });
    assert.deepEqual([empty.exitCode, empty.stdout], [0, '']);
  });

  it('reports output line by line as it arrives, per stream', async () => {
    const lines: string[] = [];
    await runner.run({
      file: '/bin/sh',
      args: ['-c', 'echo one; echo two >&2; printf three'],
      onLine: (line, stream) => lines.push(`${stream}:${line}`),
    });
    assert.deepEqual(
      lines.filter((line) => line.startsWith('stdout')),
      ['stdout:one', 'stdout:three'],
    );
    assert.deepEqual(
      lines.filter((line) => line.startsWith('stderr')),
      ['stderr:two'],
    );
  });

  it('delivers lines written to file descriptor 3 to onStatusLine', async () => {
    const status: string[] = [];
    const result = await runner.run({
      file: '/bin/sh',
      args: ['-c', 'echo "pmstatus:curl:25:Preparing curl" >&3; echo regular; echo "pmstatus:curl:100:Installed curl" >&3'],
      onStatusLine: (line) => status.push(line),
    });
    assert.equal(result.exitCode, 0);
    assert.equal(result.stdout, 'regular\n');
    assert.deepEqual(status, ['pmstatus:curl:25:Preparing curl', 'pmstatus:curl:100:Installed curl']);
  });

  it('combines stdin input with the fd 3 status pipe', async () => {
    const status: string[] = [];
    const result = await runner.run({
      file: '/bin/sh',
      args: ['-c', 'read answer; echo "status:$answer" >&3; echo "out:$answer"'],
      input: 'yes\n',
      onStatusLine: (line) => status.push(line),
    });
    assert.deepEqual([result.exitCode, result.stdout, status], [0, 'out:yes\n', ['status:yes']]);
  });

  it('on timeout stops the whole process group, grandchildren included, with SIGTERM when that suffices', async () => {
    let grandchild = 0;
    const result = await runner.run({
      file: '/bin/sh',
      args: ['-c', 'sleep 600 & echo $!; wait'],
      timeoutMs: 300,
      killGraceMs: 60_000,
      onLine: (line) => {
        grandchild = Number(line);
      },
    });
    assert.equal(result.timedOut, true);
    assert.equal(result.signal, 'SIGTERM', 'SIGKILL was used although SIGTERM ended the group');
    assert.ok(grandchild > 0, 'the grandchild reported its pid');
    await waitUntil(() => isGone(grandchild), `grandchild ${grandchild} to end`);
  });

  it('sends SIGKILL only after the grace period, to a group that ignores SIGTERM', async () => {
    const script = [
      "process.on('SIGTERM', () => console.log('got SIGTERM, ignoring it'));",
      "console.log('ready');",
      'setInterval(() => {}, 1000);',
    ].join('\n');
    const lines: string[] = [];
    const result = await runner.run({
      file: NODE,
      args: ['-e', script],
      timeoutMs: 500,
      killGraceMs: 300,
      onLine: (line) => lines.push(line),
    });
    assert.equal(result.timedOut, true);
    assert.equal(result.signal, 'SIGKILL');
    assert.ok(lines.includes('got SIGTERM, ignoring it'), 'SIGTERM was not sent first');
  });

  it('stops the process group when the abort signal fires', async () => {
    const controller = new AbortController();
    let pid = 0;
    const result = await runner.run({
      file: '/bin/sleep',
      args: ['600'],
      signal: controller.signal,
      onSpawn: (spawned) => {
        pid = spawned;
        controller.abort();
      },
    });
    assert.equal(result.aborted, true);
    assert.equal(result.timedOut, false);
    assert.equal(result.signal, 'SIGTERM');
    assert.ok(pid > 0);
    assert.ok(isGone(pid));
  });

  it('does not start anything for an already aborted signal, or stops it at once', async () => {
    const result = await runner.run({ file: '/bin/sleep', args: ['600'], signal: AbortSignal.abort() });
    assert.equal(result.aborted, true);
    assert.notEqual(result.exitCode, 0);
  });

  it('runs in its own process group, so a group kill never reaches the agent', async () => {
    const result = await runner.run({ file: '/bin/sh', args: ['-c', 'cut -d" " -f5 /proc/$$/stat; echo $$'] });
    const [pgid, pid] = result.stdout.trim().split('\n').map(Number);
    assert.equal(pgid, pid, 'the child leads its own process group');
    assert.notEqual(pgid, Number(readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ')[2]));
  });
});
