/**
 * The apk backend's part of the rollback store: the installed version's file from apk's cache and
 * the versions the cached indexes offer. No apk runs for either (the transcript runner answers
 * nothing here); the cache names and the index archives follow apk-tools 2's formats.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import type { InstalledPackage } from '@linux-patch-api/core';
import { apkIndexText, indexedVersions } from '../src/apk-index.js';
import { type ApkRoot, ApkTranscriptRunner, createApkBackend, createApkRoot } from './transcripts.js';

const HELLO = 'lpa-fixture-hello';
const installed = (version: string): InstalledPackage => ({
  name: HELLO,
  version,
  architecture: 'x86_64',
  status: 'installed',
  description: null,
  installed_size: null,
});

async function withBackend(body: (root: ApkRoot, backend: Awaited<ReturnType<typeof createApkBackend>>) => Promise<void>) {
  const root = await createApkRoot('installed-hello-1.0');
  try {
    await body(root, await createApkBackend(root, await ApkTranscriptRunner.create(root, [])));
  } finally {
    await root.dispose();
  }
}

/** An index archive as abuild writes one: a gzip member with the signature, then one with DESCRIPTION and APKINDEX. */
async function writeIndexArchive(path: string, records: { name: string; version: string }[]): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'lpa-apkindex-'));
  try {
    const member = async (files: Record<string, string>) => {
      const dir = await mkdtemp(join(work, 'member-'));
      for (const [file, text] of Object.entries(files)) await writeFile(join(dir, file), text);
      const tar = execFileSync('/usr/bin/tar', ['-c', '-C', dir, '--', ...Object.keys(files)]);
      return execFileSync('/usr/bin/gzip', ['-c', '-n'], { input: tar });
    };
    const index = records
      .map((r) =>
        [`C:Q1${'A'.repeat(27)}=`, `P:${r.name}`, `V:${r.version}`, 'A:x86_64', 'S:1200', 'I:4096', `T:${r.name}`, ''].join('\n'),
      )
      .join('\n');
    const signature = await member({ '.SIGN.RSA.fixtures.rsa.pub': 'signature bytes' });
    const body = await member({ DESCRIPTION: 'fixtures', APKINDEX: `${index}\n` });
    await writeFile(path, Buffer.concat([signature, body]));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

it('keeps the installed version from apk cache under the root, by apk cache file name, and nothing else', async () => {
  await withBackend(async (root, backend) => {
    const files = backend.rollbackFiles;
    assert.ok(files, 'the apk backend keeps files for the rollback store');
    assert.deepEqual(backend.capabilities?.().operations.rollback.sources, ['store', 'repo']);
    const out = await mkdtemp(join(tmpdir(), 'lpa-apk-kept-'));
    try {
      const signal = new AbortController().signal;
      assert.equal(await files.obtainInstalled(installed('1.0-r0'), out, signal), null, 'no cache, nothing kept');

      const cache = join(root.root, 'etc/apk/cache');
      await mkdir(cache, { recursive: true });
      await writeFile(join(cache, `${HELLO}-1.1-r0.0a1b2c3d.apk`), 'other version');
      await writeFile(join(cache, `${HELLO}-extra-1.0-r0.0a1b2c3d.apk`), 'other package');
      await writeFile(join(cache, `${HELLO}-1.0-r0.apk`), 'not a cache name');
      assert.equal(await files.obtainInstalled(installed('1.0-r0'), out, signal), null);

      await writeFile(join(cache, `${HELLO}-1.0-r0.5e6f7a8b.apk`), 'the installed version');
      const kept = await files.obtainInstalled(installed('1.0-r0'), out, signal);
      assert.deepEqual(kept, { path: join(out, `${HELLO}-1.0-r0.5e6f7a8b.apk`), via: 'cache' });
      assert.equal(await readFile(kept.path, 'utf8'), 'the installed version');
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});

it('says a version is in the repository only when a cached index lists it; before any refresh it cannot tell', async () => {
  await withBackend(async (root, backend) => {
    const files = backend.rollbackFiles;
    assert.ok(files);
    assert.equal(await files.availability(HELLO, '1.0-r0'), 'repo', 'no index: as a backend that cannot tell');
    const indexDir = join(root.root, 'var/cache/apk');
    await mkdir(indexDir, { recursive: true });
    await writeIndexArchive(join(indexDir, 'APKINDEX.4f2b1c9d.tar.gz'), [
      { name: 'lpa-fixture-dep', version: '1.0-r0' },
      { name: HELLO, version: '1.1-r0' },
      { name: HELLO, version: '1.2-r0' },
    ]);
    assert.equal(await files.availability(HELLO, '1.1-r0'), 'repo');
    assert.equal(await files.availability(HELLO, '1.0-r0'), 'none');
    assert.equal(await files.availability('lpa-fixture-dep', '1.1-r0'), 'none');
    await assert.rejects(files.availability('-x', '1.0-r0'), /name/i);
  });
});

it('reads the APKINDEX entry of a two-member index archive', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lpa-apkindex-'));
  try {
    const path = join(dir, 'APKINDEX.test.tar.gz');
    await writeIndexArchive(path, [{ name: HELLO, version: '1.0-r0' }]);
    const text = apkIndexText(await readFile(path));
    assert.ok(text !== null);
    assert.deepEqual(indexedVersions(text), [{ name: HELLO, version: '1.0-r0' }]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
