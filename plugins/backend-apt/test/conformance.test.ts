import { join } from 'node:path';
import { after } from 'node:test';
import { createProcessRunner, RecordingRunner, verifyBackend } from '@linux-patch-api/core/testing';
import { type AptSandbox, createAptSandbox, DEP, HELLO, holdFcntlLock } from '../../../test/support/sandbox/apt.js';
import { aptBackendOn } from './helpers.js';

let sandbox: AptSandbox | undefined;
const recorder = new RecordingRunner(createProcessRunner());
after(() => sandbox?.dispose());

// Real apt-get 2.6 output for an unreachable repository and for a missing one (captured on Debian 12).
const FETCH_ERRORS = [
  'Err:4 http://127.0.0.1:9 ./ InRelease\n  Could not connect to 127.0.0.1:9 (127.0.0.1). - connect (111: Connection refused)\n' +
    'W: Failed to fetch http://127.0.0.1:9/./InRelease  Could not connect to 127.0.0.1:9 (127.0.0.1). - connect (111: Connection refused)\n' +
    'W: Some index files failed to download. They have been ignored, or old ones used instead.',
  'Err:7 file:/srv/nope ./ Packages\n  File not found - /srv/nope/./Packages (2: No such file or directory)\n' +
    'E: Failed to fetch file:/srv/nope/./Packages  File not found - /srv/nope/./Packages (2: No such file or directory)\n' +
    'E: Some index files failed to download. They have been ignored, or old ones used instead.',
  'Err:1 http://deb.debian.org/debian bookworm/main amd64 curl amd64 7.88.1-10+deb12u5\n  404  Not Found [IP: 151.101.2.132 80]\n' +
    'E: Failed to fetch http://deb.debian.org/debian/pool/main/c/curl/curl_7.88.1-10+deb12u5_amd64.deb  404  Not Found [IP: 151.101.2.132 80]',
];

verifyBackend({
  title: 'backend-apt conformance (real apt on a sandbox root)',
  async createBackend() {
    sandbox = await createAptSandbox({ install: [`${HELLO}=1.0-1`] });
    const { backend } = await aptBackendOn(sandbox, recorder);
    return backend;
  },
  recorder,
  fetchErrorOutputs: FETCH_ERRORS,
  cleanOutputs: ['', 'Get:1 file:/srv/repo ./ InRelease\nIgn:1 file:/srv/repo ./ InRelease\nReading package lists...'],
  ascendingVersions: ['1.0~rc1', '1.0', '1.0-1', '1.0-1+b1', '1.0a', '1.1', '1:0.1'],
  validNames: ['libstdc++6', 'python3.11', 'libc6:amd64'],
  validVersions: ['1:2.36-9+deb12u4', '2.0~rc1-0ubuntu1'],
  fixtures: [{ name: DEP, version: '1.0-1' }],
  // apt and dpkg lock with fcntl: held the way an admin's apt-get would.
  holdLock: () => holdFcntlLock(join((sandbox as AptSandbox).root, 'var/lib/dpkg/lock-frontend')),
});
