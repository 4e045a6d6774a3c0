import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

// SPEC §2: a third party writes a backend in its own repository against the published package and
// runs the conformance kit on it. This builds such a repository — plain JavaScript, the built core
// (dist/, as npm would install it) linked into its node_modules, no TypeScript loader, no
// `lpa-source` condition — and runs its test file with node --test.

const CORE = fileURLToPath(new URL('../../', import.meta.url));
const MEMORY_BACKEND = fileURLToPath(new URL('./memory-backend.ts', import.meta.url));

const KIT_TEST = (breakIt: string) => `
import { createProcessRunner, RecordingRunner, verifyBackend } from '@linux-patch-api/core/testing';
import { MemoryBackend } from './memory-backend.mjs';

const recorder = new RecordingRunner(createProcessRunner());
verifyBackend({
  title: 'acme backend conformance',
  createBackend() {
    const backend = new MemoryBackend(recorder).offer('base', '1.0').offer('acme-tool', '2.0').put('base', '1.0');
    ${breakIt}
    return backend;
  },
  recorder,
  fetchErrorOutputs: ['E: Failed to fetch http://repo.example/acme-tool_2.0.deb  404  Not Found'],
  fixtures: [{ name: 'acme-tool', version: '2.0' }],
});
`;

let repo: string;

function runNodeTest(file: string): { status: number | null; output: string } {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  // Set by the runner of this very file; the child would take itself for a nested run.
  delete env.NODE_TEST_CONTEXT;
  const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', file], {
    cwd: repo,
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('the conformance kit in a third-party repository', () => {
  before(async () => {
    assert.ok(
      existsSync(join(CORE, 'dist', 'testing', 'index.js')),
      'build the core first (npx tsc -b): the kit is used from dist/',
    );
    repo = await mkdtemp(join(tmpdir(), 'lpa-third-party-'));
    await mkdir(join(repo, 'node_modules', '@linux-patch-api'), { recursive: true });
    await symlink(CORE, join(repo, 'node_modules', '@linux-patch-api', 'core'), 'dir');
    await writeFile(join(repo, 'package.json'), JSON.stringify({ name: 'acme-lpa-backend', type: 'module', private: true }));
    const source = await readFile(MEMORY_BACKEND, 'utf8');
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    });
    await writeFile(join(repo, 'memory-backend.mjs'), outputText);
    await writeFile(join(repo, 'good.test.mjs'), KIT_TEST(''));
    await writeFile(join(repo, 'broken.test.mjs'), KIT_TEST('backend.validateName = () => null;'));
  });
  after(async () => {
    if (repo) await rm(repo, { recursive: true, force: true });
  });

  it('a correct backend passes every check, from the published build', () => {
    const { status, output } = runNodeTest('good.test.mjs');
    assert.equal(status, 0, output);
    assert.match(output, /acme backend conformance/);
    assert.match(output, /mutation round trip: install → listed → remove → gone/);
    assert.doesNotMatch(output, /✖/);
  });

  it('a backend whose name grammar admits options fails its run, naming the check', () => {
    const { status, output } = runNodeTest('broken.test.mjs');
    assert.equal(status, 1, output);
    assert.match(output, /✖ validateName refuses option-like, path, shell, control-character, empty and overlong names/);
  });
});
