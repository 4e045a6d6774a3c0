import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseOsRelease } from '@linux-patch-api/core';
import { HOSTILE_PACKAGE_NAMES, HOSTILE_VERSIONS } from '@linux-patch-api/core/testing';
import { isArchFamily } from '../src/definition.js';
import { validatePackageName, validatePackageVersion } from '../src/grammar.js';

describe('Arch package name grammar', () => {
  it('accepts real Arch names', () => {
    for (const name of [
      'pacman',
      'linux-lts',
      'gtk3',
      'libc++',
      'python-pip',
      'lib32-glibc',
      'xorg-server',
      'r',
      'c++utilities',
      'qt6-base',
      '0ad',
      'android-sdk@29',
      'perl_test',
      'libfoo.so',
    ]) {
      assert.equal(validatePackageName(name), null, name);
    }
  });

  it('refuses what is outside [a-z0-9@._+-], starts with - or ., or could escape a target', () => {
    const refused = [
      '-Syu',
      '--config',
      '.hidden',
      'Foo',
      'foo bar',
      'foo/bar',
      'core/pacman',
      'foo..bar',
      'foo;id',
      'foo$x',
      'foo`id`',
      'foo\nbar',
      'foo\u0000',
      'é',
      '',
      'x'.repeat(256),
      'foo=1.0',
      'foo>=1',
      'foo*',
    ];
    for (const name of refused) assert.notEqual(validatePackageName(name), null, JSON.stringify(name));
  });

  it('refuses every hostile name of the conformance kit', () => {
    assert.deepEqual(
      HOSTILE_PACKAGE_NAMES.filter((name) => validatePackageName(name) === null),
      [],
    );
  });
});

describe('pacman version grammar', () => {
  it('accepts [epoch:]pkgver[-pkgrel] as Arch writes them', () => {
    for (const version of [
      '1.0-1',
      '2:1.2.3-4',
      '1.0',
      '6.0.2-8.1',
      '20240101.r12.gabcdef-1',
      '1.0rc1-1',
      '1_2+3~4-1',
      '0.9.9a-2',
    ]) {
      assert.equal(validatePackageVersion(version), null, version);
    }
  });

  it('refuses options, paths, shell and malformed versions', () => {
    for (const version of [
      '-1',
      '--overwrite=*',
      '1.0/../x',
      '1.0 -1',
      '1.0;id',
      '1-2-3',
      ':1.0',
      'a:1.0',
      '1.0-',
      '1.0-x',
      '',
      'x'.repeat(256),
      '$(id)',
    ]) {
      assert.notEqual(validatePackageVersion(version), null, JSON.stringify(version));
    }
    assert.deepEqual(
      HOSTILE_VERSIONS.filter((version) => validatePackageVersion(version) === null),
      [],
    );
  });
});

describe('detection', () => {
  it('selects Arch and derivatives by ID or ID_LIKE, nothing else', () => {
    const os = (text: string) => parseOsRelease(text);
    assert.equal(isArchFamily(os('ID=arch\n')), true);
    assert.equal(isArchFamily(os('ID=manjaro\nID_LIKE=arch\n')), true);
    assert.equal(isArchFamily(os('ID=endeavouros\nID_LIKE=arch\n')), true);
    assert.equal(isArchFamily(os('ID=garuda\nID_LIKE="arch"\n')), true);
    assert.equal(isArchFamily(os('ID=debian\n')), false);
    assert.equal(isArchFamily(os('ID=alpine\n')), false);
    assert.equal(isArchFamily(os('ID=archlinuxarm-ish\nID_LIKE=debian\n')), false);
  });
});
