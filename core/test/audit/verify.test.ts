import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import { chainAuditLine, hashAuditLine } from '../../src/audit/hash-chain.js';
import { listAuditFiles, verifyAuditFiles } from '../../src/audit/verify.js';
import { runAuditVerify } from '../../src/cli/audit-verify.js';

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lpa-verify-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes a chained log: two rotated days and the live file, `perFile` records each. */
async function writeChainedLog(dir: string, perFile = 3): Promise<void> {
  let previous: string | null = null;
  const files: Array<[string, boolean]> = [
    ['audit-2026-11-20.log.gz', true],
    ['audit-2026-11-21.log.gz', true],
    ['audit.log', false],
  ];
  let n = 0;
  for (const [name, compressed] of files) {
    const lines: string[] = [];
    for (let i = 0; i < perFile; i += 1) {
      const line = chainAuditLine(
        { event: 'api_request', timestamp: new Date(Date.UTC(2026, 10, 20, n)).toISOString(), n },
        previous,
      );
      previous = hashAuditLine(line);
      lines.push(line);
      n += 1;
    }
    const text = `${lines.join('\n')}\n`;
    await writeFile(join(dir, name), compressed ? gzipSync(text) : text);
  }
}

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, output: { out: (line: string) => out.push(line), err: (line: string) => err.push(line) } };
}

test('an intact chain across rotated .gz files and audit.log verifies, files taken oldest first', async (t) => {
  const dir = await tempDir(t);
  await writeChainedLog(dir);
  await writeFile(join(dir, 'unrelated.txt'), 'x');
  const files = await listAuditFiles(dir);
  assert.deepEqual(
    files.map((file) => file.slice(dir.length + 1)),
    ['audit-2026-11-20.log.gz', 'audit-2026-11-21.log.gz', 'audit.log'],
  );
  assert.deepEqual(await verifyAuditFiles(files), { ok: true, files: 3, records: 9 });
});

test('an edited line in audit.log is reported at the next line, whose link it breaks', async (t) => {
  const dir = await tempDir(t);
  await writeChainedLog(dir);
  const path = join(dir, 'audit.log');
  const lines = (await readFile(path, 'utf8')).split('\n');
  lines[0] = lines[0]!.replace('"api_request"', '"auth_success"');
  await writeFile(path, lines.join('\n'));
  const result = await verifyAuditFiles(await listAuditFiles(dir));
  assert.equal(result.ok, false);
  assert.ok(!result.ok && result.file === path && result.line === 2, JSON.stringify(result));
});

test('an edited line inside a rotated .gz file is found', async (t) => {
  const dir = await tempDir(t);
  await writeChainedLog(dir);
  const path = join(dir, 'audit-2026-11-20.log.gz');
  const text = gunzipSync(await readFile(path))
    .toString('utf8')
    .replace('"n":1,', '"n":7,');
  await writeFile(path, gzipSync(text));
  const result = await verifyAuditFiles(await listAuditFiles(dir));
  assert.ok(!result.ok && result.file === path && result.line === 3, JSON.stringify(result));
});

test('a deleted record and a deleted rotated file both break the chain', async (t) => {
  const dir = await tempDir(t);
  await writeChainedLog(dir);
  const path = join(dir, 'audit.log');
  const lines = (await readFile(path, 'utf8')).split('\n');
  lines.splice(1, 1);
  await writeFile(path, lines.join('\n'));
  const result = await verifyAuditFiles(await listAuditFiles(dir));
  assert.ok(!result.ok && result.file === path && result.line === 2, JSON.stringify(result));

  const dir2 = await tempDir(t);
  await writeChainedLog(dir2);
  await rm(join(dir2, 'audit-2026-11-21.log.gz'));
  const gap = await verifyAuditFiles(await listAuditFiles(dir2));
  assert.ok(!gap.ok && gap.file === join(dir2, 'audit.log') && gap.line === 1, JSON.stringify(gap));
});

test('a line that is not a chained JSON record is reported', async (t) => {
  const dir = await tempDir(t);
  await writeChainedLog(dir);
  const path = join(dir, 'audit.log');
  await writeFile(path, `${await readFile(path, 'utf8')}garbage\n`);
  const result = await verifyAuditFiles([path]);
  assert.ok(!result.ok && result.line === 4 && result.reason === 'not a JSON record', JSON.stringify(result));
});

test('audit verify: exit 0 when intact, 1 with the first broken link, 2 with nothing to check', async (t) => {
  const dir = await tempDir(t);
  await writeChainedLog(dir);
  const ok = capture();
  assert.equal(await runAuditVerify(['verify', dir], ok.output), 0);
  assert.match(ok.out[0]!, /intact \(9 records in 3 files\)/);

  const config = join(dir, 'config.yaml');
  await writeFile(config, `paths: { state_dir: ${dir}/state, log_dir: ${dir} }\n`);
  const viaConfig = capture();
  assert.equal(await runAuditVerify(['verify', '--config', config], viaConfig.output), 0, viaConfig.err.join('\n'));

  const path = join(dir, 'audit.log');
  await writeFile(path, (await readFile(path, 'utf8')).replace('"n":7', '"n":70'));
  const broken = capture();
  assert.equal(await runAuditVerify(['verify', '--config', config], broken.output), 1);
  assert.match(broken.err[0]!, new RegExp(`broken link at ${path}:3: prev_hash does not match`));

  const empty = capture();
  assert.equal(await runAuditVerify(['verify', await tempDir(t)], empty.output), 2);
  await assert.rejects(runAuditVerify(['check'], capture().output), /unknown audit action/);
});

test('the linux-patch-api binary runs audit verify and exits non-zero on a broken chain', async (t) => {
  const dir = await tempDir(t);
  await writeChainedLog(dir);
  const cli = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
  const run = (args: string[]) =>
    promisify(execFile)(process.execPath, ['--conditions=lpa-source', '--import', 'tsx', cli, ...args]).then(
      (result) => ({ code: 0, ...result }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
  const intact = await run(['audit', 'verify', dir]);
  assert.equal(intact.code, 0, intact.stderr);
  const path = join(dir, 'audit-2026-11-21.log.gz');
  await writeFile(
    path,
    gzipSync(
      gunzipSync(await readFile(path))
        .toString('utf8')
        .replace('"n":4', '"n":40'),
    ),
  );
  const broken = await run(['audit', 'verify', dir]);
  assert.equal(broken.code, 1);
  assert.match(broken.stderr, /audit-2026-11-21\.log\.gz:3/);
});
