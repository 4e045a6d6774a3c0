import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import type { InstalledPackage, RollbackFiles } from '../../src/contracts/backend.js';
import { RollbackStore } from '../../src/rollback-store/rollback-store.js';
import { silentLogger } from '../jobs/harness.js';

const pkg = (name: string, version: string): InstalledPackage => ({
  name,
  version,
  architecture: 'all',
  status: 'installed',
  description: null,
  installed_size: null,
});

/** Writes a file of the given size per version, as a package manager's cache would hand it over. */
function filesOf(size: number, obtained: string[]): RollbackFiles {
  return {
    async obtainInstalled(p, directory) {
      obtained.push(`${p.name}=${p.version}`);
      const path = join(directory, `${p.name}_${p.version}_all.deb`);
      await writeFile(path, Buffer.alloc(size, p.name));
      return { path, via: 'cache' };
    },
    availability: async () => 'none',
    installFiles: async () => ({ output: '' }),
  };
}

it('drops files older than store_days and keeps one version once; files are 0600 in a 0700 directory', async () => {
  const stateDir = await mkdtemp(join(tmpdir(), 'lpa-rollback-store-'));
  try {
    let now = new Date('2026-01-01T00:00:00Z');
    const store = new RollbackStore(
      stateDir,
      () => ({ store_max_mb: 512, store_days: 14 }),
      silentLogger,
      () => now,
    );
    const obtained: string[] = [];
    const signal = new AbortController().signal;
    await store.keep('job-1', [pkg('a', '1')], filesOf(100, obtained), signal);
    await store.keep('job-2', [pkg('a', '1')], filesOf(100, obtained), signal);
    assert.deepEqual(obtained, ['a=1'], 'a version already kept is not obtained again');
    assert.equal((await store.find('a', '1'))?.job_id, 'job-1');

    assert.equal((await stat(store.directory)).mode & 0o777, 0o700);
    for (const file of await readdir(store.directory))
      assert.equal((await stat(join(store.directory, file))).mode & 0o777, 0o600);

    now = new Date('2026-01-16T00:00:00Z');
    await store.keep('job-3', [pkg('b', '1')], filesOf(100, obtained), signal);
    assert.equal(await store.find('a', '1'), null, 'a file older than store_days is dropped');
    assert.match(await store.whyMissing('a', '1'), /store_days 14/);
    assert.notEqual(await store.find('b', '1'), null);
    assert.equal(await store.size(), 100);
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
});

it('drops the oldest files first once the total is over store_max_mb', async () => {
  const stateDir = await mkdtemp(join(tmpdir(), 'lpa-rollback-store-'));
  try {
    let now = new Date('2026-01-01T00:00:00Z');
    const store = new RollbackStore(
      stateDir,
      () => ({ store_max_mb: 250 / (1024 * 1024), store_days: 14 }),
      silentLogger,
      () => now,
    );
    const signal = new AbortController().signal;
    for (const name of ['a', 'b', 'c']) {
      await store.keep(`job-${name}`, [pkg(name, '1')], filesOf(100, []), signal);
      now = new Date(now.getTime() + 1000);
    }
    assert.equal(await store.find('a', '1'), null);
    assert.match(await store.whyMissing('a', '1'), /store_max_mb/);
    assert.notEqual(await store.find('b', '1'), null);
    assert.notEqual(await store.find('c', '1'), null);
    assert.equal((await readdir(store.directory)).filter((f) => f.endsWith('.deb')).length, 2);
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
});

it('store_max_mb 0 keeps nothing and obtains nothing', async () => {
  const stateDir = await mkdtemp(join(tmpdir(), 'lpa-rollback-store-'));
  try {
    const store = new RollbackStore(stateDir, () => ({ store_max_mb: 0, store_days: 14 }), silentLogger);
    const obtained: string[] = [];
    await store.keep('job-1', [pkg('a', '1')], filesOf(100, obtained), new AbortController().signal);
    assert.deepEqual(obtained, []);
    assert.equal(await store.find('a', '1'), null);
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
});
