import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { REPO_ROOT, startTestAgent, type TestAgent } from '../../../test/support/agent.js';

/**
 * The live /openapi.json through tools nobody here wrote: Redocly's linter with its recommended
 * rules, and openapi-typescript, whose generated types a client program is compiled against. Both
 * run offline: a preload refuses and reports any network access, and the test asserts there was none.
 */

const NO_NETWORK = join(REPO_ROOT, 'test/support/no-network.cjs');
let t: TestAgent;
let dir: string;
let documentPath: string;

before(async () => {
  t = await startTestAgent();
  dir = await mkdtemp(join(tmpdir(), 'lpa-openapi-tools-'));
  const res = await t.request('/openapi.json');
  assert.equal(res.status, 200);
  documentPath = join(dir, 'openapi.json');
  await writeFile(documentPath, res.text);
});
after(async () => {
  await t.stop();
  await rm(dir, { recursive: true, force: true });
});

function runOffline(script: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--require', NO_NETWORK, join(REPO_ROOT, script), ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
    timeout: 240_000,
  });
  assert.doesNotMatch(result.stderr, /no-network: refused/, `${script} tried to reach the network`);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('the network guard works (the offline assertions below are not vacuous)', () => {
  const result = spawnSync(
    process.execPath,
    ['--require', NO_NETWORK, '-e', "fetch('http://192.0.2.1/').catch(() => process.exit(3))"],
    { encoding: 'utf8' },
  );
  assert.equal(result.status, 3);
  assert.match(result.stderr, /no-network: refused a connection to 192\.0\.2\.1:80/);
});

test('redocly lint with the recommended rules: 0 errors on the live document', () => {
  const { status, stdout, stderr } = runOffline('node_modules/@redocly/cli/bin/cli.js', [
    'lint',
    documentPath,
    '--config',
    join(REPO_ROOT, 'redocly.yaml'),
    '--format=json',
  ]);
  assert.equal(status, 0, stderr);
  const report = JSON.parse(stdout) as { totals: { errors: number; warnings: number }; problems: { ruleId: string }[] };
  assert.equal(report.totals.errors, 0, JSON.stringify(report.problems));
  // The one warning allowed: /ws/jobs succeeds with 101 Switching Protocols, which is not a 2XX.
  assert.deepEqual(
    report.problems.map((problem) => problem.ruleId),
    report.totals.warnings === 0 ? [] : ['operation-2xx-response'],
  );
});

test('openapi-typescript generates types from the live document that a client compiles against', async () => {
  const types = join(dir, 'api.d.ts');
  const generated = runOffline('node_modules/openapi-typescript/bin/cli.js', [documentPath, '-o', types]);
  assert.equal(generated.status, 0, generated.stderr);
  const client = join(dir, 'client.ts');
  await writeFile(
    client,
    `import type { components, operations, paths } from './api.js';

type Schemas = components['schemas'];
type PackageQuery = NonNullable<paths['/packages']['get']['parameters']['query']>;
type StreamQuery = NonNullable<paths['/ws/jobs']['get']['parameters']['query']>;

export const query: PackageQuery = { name: 'lpa-*', limit: 10, offset: 0, upgradable: true };
// @ts-expect-error limit is an integer, not text
export const textLimit: PackageQuery = { limit: '10' };
// @ts-expect-error upgradable is a boolean
export const textFlag: PackageQuery = { upgradable: 'true' };
// @ts-expect-error unknown parameters are not part of the query type
export const unknown: PackageQuery = { dry_run: true };
export const stream: StreamQuery = { since: 5, epoch: '00000000-0000-4000-8000-000000000001' };

export const details: NonNullable<Schemas['Error']['details']> = { issues: [{ path: 'limit', message: 'too big' }] };

export function jobOf(envelope: Schemas['JobEnvelope']): Schemas['Job'] {
  const job = envelope.data;
  const status: 'pending' | 'running' | 'completed' | 'failed' | 'timed_out' = job.status;
  const message: string | null = job.progress_message;
  void status;
  void message;
  return job;
}

export function names(list: Schemas['PackageListEnvelope']): string[] {
  return list.data.packages.map((pkg: Schemas['Package']) => pkg.name);
}

export function onMessage(message: Schemas['JobStreamMessage']): number {
  if (message.type === 'resync') return message.seq;
  const log: string[] | undefined = message.job.log;
  return log === undefined ? message.seq : message.seq + log.length;
}

export type Remove = operations['removePackage']['responses'][202]['content']['application/json'];
export const errorCode = (refused: Schemas['ErrorEnvelope']): string => refused.error.code;
`,
  );
  const compiled = spawnSync(
    process.execPath,
    [
      join(REPO_ROOT, 'node_modules/typescript/bin/tsc'),
      '--noEmit',
      '--strict',
      '--exactOptionalPropertyTypes',
      '--target',
      'es2022',
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--types',
      'node',
      '--typeRoots',
      join(REPO_ROOT, 'node_modules/@types'),
      client,
    ],
    { cwd: dir, encoding: 'utf8' },
  );
  assert.equal(compiled.status, 0, compiled.stdout + compiled.stderr);
});
