import assert from 'node:assert/strict';
import { readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createPacmanSandbox, DEP, HELLO, type PacmanSandbox } from '../../../test/support/sandbox/pacman.js';
import { LocalDatabase, packageFromDesc, parseDesc } from '../src/local-db.js';

describe('local database reader', () => {
  let sandbox: PacmanSandbox;

  before(async () => {
    sandbox = await createPacmanSandbox({ stage: 2, install: [HELLO] });
  });
  after(() => sandbox.dispose());

  it('reads the same installed set as pacman -Q, with size, arch and description from desc', async () => {
    const db = new LocalDatabase(sandbox.dbPath);
    const packages = await db.list();
    assert.deepEqual(
      packages.map((pkg) => [pkg.name, pkg.version]),
      [...(await sandbox.query())].sort(),
    );
    assert.deepEqual(
      packages.map((pkg) => pkg.name),
      [DEP, HELLO],
    );
    for (const pkg of packages) {
      assert.equal(pkg.architecture, 'any');
      assert.equal(pkg.status, 'installed');
      assert.equal(pkg.installed_size, pkg.version.length + 1);
      assert.equal(pkg.description, `linux-patch-api test fixture ${pkg.name}`);
    }
  });

  it('re-reads only on change: an unchanged directory is served from memory, a changed one is read again', async () => {
    const entry = (await readdir(join(sandbox.dbPath, 'local'))).find((name) => name.startsWith(`${HELLO}-`)) as string;
    const descPath = join(sandbox.dbPath, 'local', entry, 'desc');
    const original = await readFile(descPath, 'utf8');
    const localDir = join(sandbox.dbPath, 'local');
    // Whole-second timestamps, so they can be put back exactly.
    const pinned = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
    await utimes(descPath, pinned, pinned);
    await utimes(localDir, pinned, pinned);
    const db = new LocalDatabase(sandbox.dbPath);
    await db.list();
    try {
      // Rewrite desc, then put both timestamps back: to the reader nothing changed.
      await writeFile(descPath, original.replace(/%DESC%\n.*\n/, '%DESC%\nrewritten behind the reader\n'));
      await utimes(descPath, pinned, pinned);
      await utimes(localDir, pinned, pinned);
      assert.equal((await db.list()).find((pkg) => pkg.name === HELLO)?.description, `linux-patch-api test fixture ${HELLO}`);

      // A changed directory (as every install or removal makes it) triggers a read of what changed.
      const later = new Date(pinned.getTime() + 5000);
      await utimes(descPath, later, later);
      await utimes(localDir, later, later);
      assert.equal((await db.list()).find((pkg) => pkg.name === HELLO)?.description, 'rewritten behind the reader');
    } finally {
      await writeFile(descPath, original);
    }
  });

  it('sees installs and removals made by pacman itself', async () => {
    const db = new LocalDatabase(sandbox.dbPath);
    assert.equal((await db.list()).length, 2);
    await sandbox.pacman(['-R', '--', HELLO]);
    assert.deepEqual(
      (await db.list()).map((pkg) => pkg.name),
      [DEP],
    );
    await sandbox.pacman(['-S', '--', HELLO]);
    assert.deepEqual(
      (await db.list()).map((pkg) => pkg.name),
      [DEP, HELLO],
    );
  });

  it('files() lists what pacman -Ql lists, directories left out; a name not installed is absent', async () => {
    const files = await new LocalDatabase(sandbox.dbPath).files([HELLO, 'not-installed']);
    const listed = (await sandbox.pacman(['-Ql', '--', HELLO]))
      .split('\n')
      .map((line) => line.slice(`${HELLO} `.length).replace(sandbox.root, ''))
      .filter((path) => path.length > 0 && !path.endsWith('/'));
    assert.deepEqual([...files.keys()], [HELLO]);
    assert.deepEqual(files.get(HELLO), listed);
    assert.ok(listed.includes(`/usr/share/${HELLO}/VERSION`));
  });

  it('returns an empty set for a root without a local database', async () => {
    assert.deepEqual(await new LocalDatabase(join(sandbox.dir, 'nowhere')).list(), []);
  });
});

describe('desc parsing', () => {
  it('reads multi-line fields and tolerates missing ones', () => {
    const text = '%NAME%\nfoo\n\n%VERSION%\n1:2.0-3\n\n%DESC%\nline one\n\n%LICENSE%\nMIT\nGPL\n\n';
    assert.deepEqual(parseDesc(text).get('LICENSE'), ['MIT', 'GPL']);
    assert.deepEqual(packageFromDesc(text), {
      name: 'foo',
      version: '1:2.0-3',
      architecture: null,
      status: 'installed',
      description: 'line one',
      installed_size: null,
    });
    assert.equal(packageFromDesc('%NAME%\nfoo\n'), null);
  });
});
