import assert from 'node:assert/strict';
import { copyFile, mkdir, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createAptSandbox, HELLO, SEC } from '../../../test/support/sandbox/apt.js';
import { makeSandboxDir, removeSandboxDir, runTool } from '../../../test/support/sandbox/common.js';
import { parseDpkgStatus } from '../src/dpkg-status.js';
import { InstalledSet } from '../src/installed-set.js';

describe('InstalledSet', () => {
  it('parses the status file once and re-reads it only when dpkg changed it', async () => {
    const sandbox = await createAptSandbox({ install: [`${HELLO}=1.0-1`] });
    const set = new InstalledSet(join(sandbox.root, 'var/lib/dpkg/status'));
    const first = await set.list();
    assert.deepEqual(
      first.map((p) => `${p.name}=${p.version}`),
      [`${HELLO}=1.0-1`],
    );
    assert.equal(await set.list(), first, 'an unchanged status file was parsed again');

    await sandbox.aptGet(['-y', '-q', 'install', '--', `${SEC}=1.0-1`]);
    const second = await set.list();
    assert.notEqual(second, first);
    assert.deepEqual(second.map((p) => p.name).sort(), [HELLO, SEC]);

    const later = new Date(Date.now() + 5000);
    await utimes(join(sandbox.root, 'var/lib/dpkg/status'), later, later);
    assert.notEqual(await set.list(), second, 'a touched status file was not re-read');
    assert.equal((await set.get(`${SEC}:all`))?.version, '1.0-1');
    sandbox.dispose();
  });

  it("equals dpkg-query -W on a copy of this host's whole database (names, architectures, versions, states)", async () => {
    const dir = makeSandboxDir('apt-status-copy');
    await mkdir(join(dir, 'updates'), { recursive: true });
    await copyFile('/var/lib/dpkg/status', join(dir, 'status'));
    const { stdout } = await runTool('/usr/bin/dpkg-query', [
      `--admindir=${dir}`,
      '-W',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a dpkg-query format, not a template
      '-f=${Package}\t${Architecture}\t${Version}\t${db:Status-Status}\n',
    ]);
    const expected = stdout
      .split('\n')
      .filter((line) => line !== '')
      .sort();
    const listed = (await new InstalledSet(join(dir, 'status')).list())
      .map((p) => `${p.name}\t${p.architecture ?? ''}\t${p.version}\t${p.status}`)
      .sort();
    assert.ok(expected.length > 10, 'the host database is unexpectedly small');
    assert.deepEqual(listed, expected);
    removeSandboxDir(dir);
  });

  it('leaves out not-installed records and keeps config-files ones, like dpkg-query -W', () => {
    const text = [
      'Package: gone\nStatus: purge ok not-installed\nArchitecture: amd64\n',
      'Package: conf\nStatus: deinstall ok config-files\nVersion: 1.0-1\nArchitecture: amd64\nDescription: kept conffiles\n more\n',
      'Package: big\nStatus: install ok installed\nVersion: 2:1.0\nArchitecture: amd64\nInstalled-Size: 1234\n',
    ].join('\n');
    const packages = parseDpkgStatus(text);
    assert.deepEqual(
      packages.map((p) => [p.name, p.status, p.version, p.description, p.installed_size]),
      [
        ['conf', 'config-files', '1.0-1', 'kept conffiles', null],
        ['big', 'installed', '2:1.0', null, 1234 * 1024],
      ],
    );
  });
});
