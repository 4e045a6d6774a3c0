/**
 * The Alpine .apk (apk v2, unsigned), built by the packaging script. No apk binary runs here, so
 * it is read as apk-tools reads it: gzip streams of the control and data archives, .PKGINFO with
 * the data stream's hash, per-file SHA-1 checksums, and the scripts.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { makeSandboxDir, runTool } from '../support/sandbox/common.js';
import { builtPackages } from './support/build.js';
import {
  assertLayoutAndModes,
  assertOnlyWhatRuns,
  assertProductionOnly,
  assertShipsOnlyItsOwnBackend,
} from './support/checks.js';
import { readTar, splitGzipMembers, tarModes } from './support/inspect.js';

const packages = { apk: '' };

function apkEntries(apk: string) {
  const members = splitGzipMembers(readFileSync(apk));
  assert.equal(members.length, 2, 'an unsigned apk is a control stream and a data stream');
  return {
    control: readTar(gunzipSync(members[0]!)),
    data: readTar(gunzipSync(members[1]!)),
    dataStream: members[1]!,
  };
}

// Building packages on a busy two-core machine can take minutes.
before(
  async () => {
    packages.apk = (await builtPackages(['apk']))['apk']!;
  },
  { timeout: 900_000 },
);

test('holds the core, only the apk backend, the audit plugins and production dependencies', () => {
  const files = tarModes(apkEntries(packages.apk).data);
  assertShipsOnlyItsOwnBackend('apk', files, 'backend-apk');
  assertProductionOnly('apk', files);
  assertOnlyWhatRuns('apk', files, '/usr/share/licenses/linux-patch-api/LICENSE');
  assert.equal(files.get('/etc/logrotate.d/linux-patch-api'), '-rw-r--r--', 'apk: logrotate rotates the OpenRC output log');
  assertLayoutAndModes('apk', files, 'openrc');
});

describe('.apk', () => {
  test('.PKGINFO names the package, depends on nodejs>=20 and hashes the data stream', () => {
    const { control, data, dataStream } = apkEntries(packages.apk);
    const pkginfo = control.find((entry) => entry.path === '.PKGINFO');
    assert.ok(pkginfo, 'the control stream holds .PKGINFO');
    const text = pkginfo.data.toString('utf8');
    assert.match(text, /^pkgname = linux-patch-api$/m);
    assert.match(text, /^pkgver = \d+\.\d+\.\d+-r\d+$/m);
    assert.match(text, /^depend = nodejs>=20$/m);
    assert.match(text, new RegExp(`^datahash = ${createHash('sha256').update(dataStream).digest('hex')}$`, 'm'));
    for (const entry of data.filter((e) => e.type === '0')) {
      assert.equal(
        entry.pax['APK-TOOLS.checksum.SHA1'],
        createHash('sha1').update(entry.data).digest('hex'),
        `checksum of ${entry.path}`,
      );
    }
    for (const script of ['.post-upgrade', '.pre-deinstall']) {
      const entry = control.find((e) => e.path === script);
      assert.ok(entry, `${script} is present`);
      assert.equal(entry.mode & 0o777, 0o755);
    }
  });

  test('tar reads the whole package (control then data) as one archive', async () => {
    const { stdout } = await runTool('/usr/bin/tar', ['-tzf', packages.apk]);
    const names = stdout.split('\n');
    assert.equal(names[0], '.PKGINFO');
    assert.ok(names.includes('etc/init.d/linux-patch-api'));
    assert.ok(names.includes('usr/bin/linux-patch-api'));
  });

  test('maintainer scripts and the OpenRC script are valid sh', async () => {
    const { control, data } = apkEntries(packages.apk);
    const dir = makeSandboxDir('apk-scripts');
    for (const entry of [
      ...control.filter((e) => e.path.startsWith('.p')),
      ...data.filter((e) => e.path.startsWith('etc/init.d/')),
    ]) {
      const file = join(dir, entry.path.replaceAll('/', '_'));
      await writeFile(file, entry.data);
      await runTool('/bin/sh', ['-n', file]);
    }
    const openrc = data.find((e) => e.path === 'etc/init.d/linux-patch-api')!.data.toString('utf8');
    assert.match(openrc, /^#!\/sbin\/openrc-run$/m);
    assert.match(openrc, /^supervisor="supervise-daemon"$/m);
    assert.match(openrc, /^respawn_max=/m);
    assert.match(openrc, /^no_new_privs="yes"$/m);
    assert.match(openrc, /^capabilities="!cap_sys_admin,/m);
  });
});
