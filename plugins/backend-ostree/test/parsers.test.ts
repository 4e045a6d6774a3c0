import assert from 'node:assert/strict';
import { it } from 'node:test';
import { parseAdminStatus } from '../src/admin-status.js';
import { parseCommitShow } from '../src/commit-show.js';
import { isOstreeFetchError } from '../src/fetch-errors.js';

const A = 'a818230f8c2dd6375614add7b015ec91504aeaccbcf260da056ee28258741d88';
const B = '51a597637c709ed2114026b140a4f8a827801be4a0bb9ce6c2bde9712f755806';
const C = '9b8756a4eeb195252f6252bb68504af5ffea32713668093a8c22d1bbd354b7ea';

it('parses ostree admin status of a booted host: booted mark, staged/rollback annotations, pin, origin', () => {
  // The lines ostree prints on a booted host (ot-admin-builtin-status.c): `*` marks the booted
  // deployment, a staged update and the rollback are annotated, a pin has its own line.
  const output = [
    `  fedora-coreos ${A}.0 (staged)`,
    '    Version: 40.20240102.3.0',
    '    origin refspec: fedora:fedora/x86_64/coreos/stable',
    `* fedora-coreos ${B}.0`,
    '    Version: 40.20240101.3.0',
    '    origin refspec: fedora:fedora/x86_64/coreos/stable',
    `  fedora-coreos ${C}.1 (rollback)`,
    '    Version: 39.20231201.3.0',
    '    Pinned: yes',
    '    origin: <unknown origin type>',
    '',
  ].join('\n');
  assert.deepEqual(parseAdminStatus(output), [
    {
      osname: 'fedora-coreos',
      checksum: A,
      serial: 0,
      booted: false,
      mark: 'staged',
      version: '40.20240102.3.0',
      origin: 'fedora:fedora/x86_64/coreos/stable',
      pinned: false,
    },
    {
      osname: 'fedora-coreos',
      checksum: B,
      serial: 0,
      booted: true,
      mark: null,
      version: '40.20240101.3.0',
      origin: 'fedora:fedora/x86_64/coreos/stable',
      pinned: false,
    },
    {
      osname: 'fedora-coreos',
      checksum: C,
      serial: 1,
      booted: false,
      mark: 'rollback',
      version: '39.20231201.3.0',
      origin: null,
      pinned: true,
    },
  ]);
  assert.deepEqual(parseAdminStatus('No deployments.\n'), []);
});

it('parses the commit header of ostree show', () => {
  const output = `commit ${A}\nParent:  ${B}\nContentChecksum:  afe8\nDate:  2024-01-02 00:00:00 +0000\nVersion: 1.1\n(no subject)\n`;
  assert.deepEqual(parseCommitShow(output), { checksum: A, timestamp: '2024-01-02T00:00:00Z', version: '1.1' });
  assert.deepEqual(parseCommitShow(`commit ${A}\nDate:  2024-01-02 02:00:00 +0200\n`), {
    checksum: A,
    timestamp: '2024-01-02T00:00:00Z',
    version: null,
  });
  assert.equal(parseCommitShow('error: No such metadata object'), null);
});

it('tells download failures from other ostree errors', () => {
  assert.equal(isOstreeFetchError('error: While fetching https://x/repo/config: [6] Could not resolve host: x'), true);
  assert.equal(isOstreeFetchError('error: Cannot undeploy currently booted deployment 0'), false);
});
