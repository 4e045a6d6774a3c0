import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createProcessRunner, silentLogger } from '@linux-patch-api/core/testing';
import { createPacmanSandbox, HELLO, type PacmanSandbox } from '../../../test/support/sandbox/pacman.js';
import { pacmanBackendDefinition } from '../src/definition.js';
import { lastChangeInPacmanLog, parsePacmanLogTime } from '../src/pacman-log.js';

// What pacman 6.0.2 wrote on a sandbox root: -S, -Su (an install and an upgrade), -R, then -Syy
// (the root's path shortened to /ROOT).
const REAL_LOG = join(import.meta.dirname, 'fixtures', 'pacman.log');

describe('pacman.log parsing', () => {
  it('the last change is the last ALPM installed/upgraded/removed line, not a later sync', async () => {
    const text = await readFile(REAL_LOG, 'utf8');
    assert.equal(lastChangeInPacmanLog(text)?.toISOString(), '2026-12-07T01:25:21.000Z');
    const upToUpgrade = text.slice(0, text.indexOf('[2026-12-07T01:25:21+0000]'));
    assert.equal(lastChangeInPacmanLog(upToUpgrade)?.toISOString(), '2026-12-07T01:25:20.000Z');
  });

  it('a log with syncs only, or none at all, records no change', async () => {
    const text = await readFile(REAL_LOG, 'utf8');
    const syncsOnly = text
      .split('\n')
      .filter((line) => !line.includes('[ALPM]'))
      .join('\n');
    assert.equal(lastChangeInPacmanLog(syncsOnly), null);
    assert.equal(lastChangeInPacmanLog(''), null);
  });

  it('reads the offset of current stamps and the local time of pre-5.1 stamps', () => {
    assert.equal(parsePacmanLogTime('2026-12-07T03:25:21+0200')?.toISOString(), '2026-12-07T01:25:21.000Z');
    assert.equal(parsePacmanLogTime('2017-03-12 10:00')?.getTime(), new Date(2017, 2, 12, 10, 0).getTime());
    assert.equal(parsePacmanLogTime('yesterday'), null);
  });
});

describe('pacman backend lastUpdateTime on a real root', () => {
  let sandbox: PacmanSandbox | undefined;
  after(() => sandbox?.dispose());

  it('is when pacman last changed the root, also when the change was made outside the agent', async () => {
    const before = Math.floor(Date.now() / 1000) * 1000;
    sandbox = await createPacmanSandbox({ install: [HELLO] });
    const backend = await pacmanBackendDefinition.create({
      root: sandbox.root,
      runner: createProcessRunner(),
      logger: silentLogger,
      stateDir: sandbox.dir,
    });
    const installed = await backend.lastUpdateTime?.();
    assert.ok(installed instanceof Date);
    assert.ok(installed.getTime() >= before && installed.getTime() <= Date.now(), installed.toISOString());

    await sandbox.pacman(['-R', HELLO]);
    const removed = await backend.lastUpdateTime?.();
    assert.ok(removed instanceof Date);
    assert.ok(removed.getTime() >= installed.getTime() && removed.getTime() <= Date.now());
    const log = await readFile(join(sandbox.root, 'var/log/pacman.log'), 'utf8');
    assert.match(log.trim().split('\n').at(-2) ?? '', /\[ALPM\] removed lpa-fixture-hello/);
    assert.equal(removed.getTime(), lastChangeInPacmanLog(log)?.getTime());
  });
});
