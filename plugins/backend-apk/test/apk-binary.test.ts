import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isLpaError } from '@linux-patch-api/core';
import { locateApk } from '../src/apk-binary.js';
import { ApkTranscriptRunner, createApkBackend, createApkRoot } from './transcripts.js';

const dir = await mkdtemp(join(tmpdir(), 'lpa-apk-bin-'));
after(() => rm(dir, { recursive: true, force: true }));

async function program(path: string, mode = 0o755): Promise<string> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, '#!/bin/sh\nexit 0\n');
  await chmod(path, mode);
  return path;
}

describe('finding the apk binary', () => {
  it('takes the first executable of the standard locations, then of PATH', async () => {
    const usrSbin = await program(join(dir, 'usr/sbin/apk'));
    await program(join(dir, 'sbin/apk'), 0o644);
    const onPath = await program(join(dir, 'opt/apk-tools/bin/apk'));
    const standard = [join(dir, 'sbin/apk'), usrSbin];
    assert.deepEqual(await locateApk({ standardLocations: standard, searchPath: join(dir, 'opt/apk-tools/bin') }), {
      path: usrSbin,
      source: 'standard',
    });
    assert.deepEqual(
      await locateApk({
        standardLocations: [join(dir, 'sbin/apk')],
        searchPath: ['relative/bin', join(dir, 'nowhere'), join(dir, 'opt/apk-tools/bin')].join(':'),
      }),
      { path: onPath, source: 'PATH' },
    );
    assert.equal(await locateApk({ standardLocations: [], searchPath: join(dir, 'nowhere') }), null);
  });

  it('backend.apk_path wins, and must be an absolute path to an executable file', async () => {
    const configured = await program(join(dir, 'custom/apk'));
    assert.deepEqual(await locateApk({ configured, standardLocations: [] }), { path: configured, source: 'config' });
    for (const bad of [
      join(dir, 'custom/missing'),
      join(dir, 'custom'),
      'custom/apk',
      await program(join(dir, 'x/apk'), 0o600),
    ]) {
      await assert.rejects(locateApk({ configured: bad }), (error) => isLpaError(error, 'LPA_ERR_BACKEND'), bad);
    }
  });

  it('the backend created with backend.apk_path runs that binary', async () => {
    const root = await createApkRoot('installed-hello-1.0');
    try {
      const runner = await ApkTranscriptRunner.create(root, ['list-upgradable']);
      const backend = await createApkBackend(root, runner);
      await backend.listUpgrades();
      assert.equal(runner.argvs[0]?.[0], root.apk);
      assert.equal(backend.info().executable, root.apk);
    } finally {
      await root.dispose();
    }
  });
});
