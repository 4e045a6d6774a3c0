import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { lastChangeInDpkgLog, readLastDpkgChange } from '../src/dpkg-log.js';

// What dpkg 1.21 wrote on a sandbox root for apt-get install hello=1.0-1, dist-upgrade (hello 1.1
// pulling in dep) and purge hello, ending with the `startup` lines of a run that changed nothing.
const REAL_LOG = join(import.meta.dirname, 'fixtures', 'dpkg.log');
// dpkg writes local time.
const LAST_CHANGE = new Date(2026, 11, 7, 1, 31, 28).getTime();
const FIRST_INSTALL = new Date(2026, 11, 7, 1, 31, 27).getTime();

const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function logDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lpa-dpkg-log-'));
  dirs.push(dir);
  return dir;
}

describe('dpkg.log parsing', () => {
  it('the last change is the last action or status line; startup lines are no change', async () => {
    const text = await readFile(REAL_LOG, 'utf8');
    assert.equal(lastChangeInDpkgLog(text)?.getTime(), LAST_CHANGE);
    const firstInstall = text.split('\n').slice(0, 9).join('\n');
    assert.equal(lastChangeInDpkgLog(firstInstall)?.getTime(), FIRST_INSTALL);
    assert.equal(lastChangeInDpkgLog('2026-12-07 01:31:28 startup packages configure\n'), null);
    assert.equal(lastChangeInDpkgLog(''), null);
  });

  it('looks in the rotated logs (dpkg.log.1, dpkg.log.2.gz) when the current one records no change', async () => {
    const real = await readFile(REAL_LOG, 'utf8');
    const dir = await logDir();
    const log = join(dir, 'dpkg.log');
    assert.equal(await readLastDpkgChange(log), null, 'no log at all');
    await writeFile(log, '2026-12-08 00:00:01 startup packages configure\n');
    await writeFile(`${log}.2.gz`, gzipSync(real));
    assert.equal((await readLastDpkgChange(log))?.getTime(), LAST_CHANGE);
    await writeFile(`${log}.1`, real.split('\n').slice(0, 9).join('\n'));
    assert.equal((await readLastDpkgChange(log))?.getTime(), FIRST_INSTALL, 'the newest rotated log that has a change wins');
  });
});
