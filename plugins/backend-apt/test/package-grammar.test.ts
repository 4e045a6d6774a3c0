import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HOSTILE_PACKAGE_NAMES, HOSTILE_VERSIONS } from '@linux-patch-api/core/testing';
import { validateDebianVersion, validatePackageName } from '../src/package-grammar.js';

describe('validatePackageName', () => {
  it('accepts Debian policy names, with an optional architecture', () => {
    for (const name of [
      'lpa-fixture-hello',
      'libc6',
      'libstdc++6',
      'python3.11',
      'xz-utils',
      'libc6:amd64',
      'zlib1g:i386',
      '0ad',
    ]) {
      assert.equal(validatePackageName(name), null, name);
    }
  });

  it("refuses apt's own syntax: modifiers, globs, regexes, pins, releases, options", () => {
    const refused = [
      'foo+',
      'foo-',
      'foo-:amd64',
      '*',
      'foo*',
      'fo?',
      '[a-z]*',
      '^foo',
      'foo$',
      'foo.*',
      'foo=1.0',
      'foo/stable',
      '-oAPT::Update::Pre-Invoke::=touch MARKER',
      '--allow-unauthenticated',
      '-s',
      '$(touch X)',
      'Foo',
      'a',
      'foo bar',
      'foo\tbar',
      'foo\nbar',
      'foo..bar',
      'x'.repeat(256),
    ];
    for (const name of refused) assert.notEqual(validatePackageName(name), null, JSON.stringify(name));
  });

  it("refuses the core kit's hostile names", () => {
    for (const name of HOSTILE_PACKAGE_NAMES) assert.notEqual(validatePackageName(name), null, JSON.stringify(name));
  });
});

describe('validateDebianVersion', () => {
  it('accepts deb-version(7) versions', () => {
    for (const version of [
      '1.0',
      '1.0-1',
      '1:2.36-9+deb12u4',
      '2.0~rc1-0ubuntu1',
      '1.2.3-1-2',
      '0:1',
      '7.88.1-10+deb12u5',
      '1:9.18.28-1~deb12u2',
    ]) {
      assert.equal(validateDebianVersion(version), null, version);
    }
  });

  it('refuses options, empty revisions, colons without an epoch, shell characters', () => {
    for (const version of [
      '-1',
      '--version',
      'a1.0',
      '1.0-',
      '1:',
      'x:1.0',
      '1.0:2',
      '1.0 1',
      '1.0;id',
      '$(id)',
      '1.0/stable',
      '1.0=2',
      '',
    ]) {
      assert.notEqual(validateDebianVersion(version), null, JSON.stringify(version));
    }
    for (const version of HOSTILE_VERSIONS) assert.notEqual(validateDebianVersion(version), null, JSON.stringify(version));
  });
});
