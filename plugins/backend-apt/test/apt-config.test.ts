import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isLpaError } from '@linux-patch-api/core';
import { renderAptConfig, writeAptConfig } from '../src/apt-config.js';

describe('APT_CONFIG for a root', () => {
  it('points every apt and dpkg path under the root and turns off translations', () => {
    const text = renderAptConfig('/srv/image');
    assert.deepEqual(text.trim().split('\n'), [
      'Dir "/srv/image/";',
      'Dir::State::status "/srv/image/var/lib/dpkg/status";',
      'Dir::Etc "/srv/image/etc/apt/";',
      'Dir::Log "/srv/image/var/log/apt";',
      'DPkg::Options { "--root=/srv/image"; "--log=/srv/image/var/log/dpkg.log"; };',
      'Acquire::Languages "none";',
    ]);
  });

  it('refuses a root apt could not quote rather than write a broken or injected config', () => {
    for (const root of ['/srv/a"b', '/srv/a\nDir::Etc "/etc/apt/";', '/srv/a\\b']) {
      assert.throws(
        () => renderAptConfig(root),
        (error: unknown) => isLpaError(error, 'LPA_ERR_CONFIG_INVALID'),
      );
    }
  });

  it('writes the file into the state directory, private to root, one per root', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'lpa-apt-config-'));
    try {
      const first = await writeAptConfig('/srv/one', stateDir);
      const second = await writeAptConfig('/srv/two', stateDir);
      assert.notEqual(first, second);
      assert.ok(first.startsWith(join(stateDir, 'backend-apt')));
      assert.equal(await readFile(first, 'utf8'), renderAptConfig('/srv/one'));
      assert.equal((await stat(first)).mode & 0o777, 0o600);
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});
