import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import {
  createFakePackageManager,
  type FakePackageManager,
  FakePackageManagerBackend,
} from '../../../test/support/fake-package-manager/index.js';
import { SerialisedData } from '../../src/http/envelope.js';
import { PackageListAnswers } from '../../src/http/routes/package-list.js';
import { createProcessRunner, RecordingRunner } from '../../src/testing/index.js';

/** The fake package manager with a generation: its database file's identity. */
class GenerationBackend extends FakePackageManagerBackend {
  constructor(
    readonly runner: RecordingRunner,
    private readonly dbPath: string,
  ) {
    super({ runner, dbPath });
  }

  inventoryGeneration(): string {
    const info = statSync(this.dbPath, { bigint: true });
    return `${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`;
  }
}

let pm: FakePackageManager;
before(async () => {
  pm = await createFakePackageManager({
    installed: { hello: '1.0', tool: '2.0', zlib: '1.3' },
    repo: { hello: ['1.0', '1.1'], tool: ['2.0'], zlib: ['1.3'] },
  });
});
after(() => pm.cleanup());

const json = (answer: unknown) => {
  assert.ok(answer instanceof SerialisedData, 'a backend with a generation gets serialised answers');
  return JSON.parse(answer.json.toString('utf8'));
};

test('answers are kept per filter while the generation stays, and read again once it moves', async () => {
  const backend = new GenerationBackend(new RecordingRunner(createProcessRunner()), pm.dbPath);
  const answers = new PackageListAnswers();
  const first = await answers.answer(backend, {});
  assert.deepEqual(
    json(first).packages.map((pkg: { name: string; available_version: string | null }) => [pkg.name, pkg.available_version]),
    [
      ['hello', '1.1'],
      ['tool', null],
      ['zlib', null],
    ],
  );
  const reads = backend.runner.invocations.length;
  assert.equal(await answers.answer(backend, {}), first, 'the same filter was serialised again');
  const upgradable = await answers.answer(backend, { upgradable: true, limit: 5 });
  assert.notEqual(upgradable, first);
  assert.deepEqual(json(upgradable), { packages: [json(first).packages[0]], total: 1 });
  assert.equal(backend.runner.invocations.length, reads, 'the backend was read again while nothing changed');

  await pm.update((db) => {
    db.installed.dep = '1.0';
  });
  const changed = json(await answers.answer(backend, {}));
  assert.ok(backend.runner.invocations.length > reads, 'a moved generation did not read the backend again');
  assert.deepEqual(
    changed.packages.map((pkg: { name: string }) => pkg.name),
    ['dep', 'hello', 'tool', 'zlib'],
  );
  assert.equal(json(await answers.answer(backend, { upgradable: true, limit: 5 })).total, 1);

  // Eight filters are kept per generation (two so far); a ninth is answered, not kept.
  const kept = [];
  for (let limit = 1; limit <= 6; limit++) kept.push(await answers.answer(backend, { limit }));
  for (let limit = 1; limit <= 6; limit++) assert.equal(await answers.answer(backend, { limit }), kept[limit - 1]);
  const ninth = await answers.answer(backend, { offset: 1 });
  assert.notEqual(await answers.answer(backend, { offset: 1 }), ninth, 'more than eight filters were kept');
  assert.deepEqual(json(await answers.answer(backend, { offset: 1 })), json(ninth));
});

test('a failed read is not kept, and a backend without a generation is read on every request', async () => {
  const backend = new GenerationBackend(new RecordingRunner(createProcessRunner()), pm.dbPath);
  const answers = new PackageListAnswers();
  const good = await readFile(pm.dbPath, 'utf8');
  await replaceDatabase('not a database');
  await assert.rejects(answers.answer(backend, {}));
  await replaceDatabase(good);
  assert.equal(json(await answers.answer(backend, {})).total, 4);

  const recorder = new RecordingRunner(createProcessRunner());
  const uncached = new FakePackageManagerBackend({ runner: recorder, dbPath: pm.dbPath });
  const plain = await answers.answer(uncached, { name: 'h*' });
  assert.deepEqual(plain, json(await answers.answer(backend, { name: 'h*' })));
  const runs = recorder.invocations.length;
  await answers.answer(uncached, { name: 'h*' });
  assert.ok(recorder.invocations.length > runs, 'a backend without a generation was not read again');
});

/** Replaces the database file as the fake package manager does (a new file renamed over it). */
async function replaceDatabase(text: string): Promise<void> {
  const temp = `${pm.dbPath}.test.tmp`;
  await writeFile(temp, text);
  await rename(temp, pm.dbPath);
}
