import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createProcessRunner, RecordingRunner, silentLogger, verifyBackend } from '@linux-patch-api/core/testing';
import { createPacmanSandbox, HELLO, type PacmanSandbox } from '../../../test/support/sandbox/pacman.js';
import { pacmanBackendDefinition } from '../src/definition.js';

const recorder = new RecordingRunner(createProcessRunner());
let sandbox: PacmanSandbox | undefined;

verifyBackend({
  title: 'pacman backend conformance (real pacman on a sandbox root)',
  async createBackend() {
    // Stage 2 offers hello 1.1; hello 1.0 sits in the cache, as after an earlier download, so the
    // upgrade round trip can install the old version and go back to it (pacman's only way to).
    sandbox = await createPacmanSandbox({ stage: 2, cached: [{ name: HELLO, version: '1.0-1' }] });
    return pacmanBackendDefinition.create({ root: sandbox.root, runner: recorder, logger: silentLogger, stateDir: sandbox.dir });
  },
  recorder,
  fetchErrorOutputs: [
    "error: failed retrieving file 'fixtures.db' from disk : Couldn't open file /srv/repo/fixtures.db\nerror: failed to synchronize all databases (download library error)",
    "error: failed retrieving file 'core.db' from mirror.example.org : The requested URL returned error: 404",
  ],
  cleanOutputs: [
    '',
    ':: Processing package changes...\ninstalling lpa-fixture-hello...',
    'error: failed to init transaction (unable to lock database)',
  ],
  ascendingVersions: ['1.0alpha-1', '1.0-1', '1.0-2', '1.0.1-1', '1.1-1', '1:0.1-1', '2:0.1-1'],
  validNames: ['linux-lts', 'libc++', 'android-sdk@29'],
  validVersions: ['2:1.2.3-4', '6.0.2-8.1', '20240101.r12.gabcdef-1'],
  fixtures: [{ name: HELLO }],
  // A real pacman holding db.lck; stopped, it leaves the lock file behind as pacman does, and the
  // administrator's part, removing it, is done here.
  async holdLock() {
    const held = await (sandbox as PacmanSandbox).holdLockWithPacman();
    return {
      async release() {
        await held.stop();
        await rm(join((sandbox as PacmanSandbox).dbPath, 'db.lck'), { force: true });
      },
    };
  },
  upgradeFixture: { name: HELLO, from: '1.0-1', to: '1.1-1' },
  checkRefresh: true,
  checkRepair: true,
  async dispose() {
    if (sandbox) {
      sandbox.dispose();
      await rm(sandbox.dir, { recursive: true, force: true });
    }
  },
});
