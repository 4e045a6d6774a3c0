import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareApkVersions, isValidApkVersion } from '../src/version.js';

// Versions Alpine ships (aports, 3.17–3.21) and the order `apk version -t A B` gives them.
const ORDERED: [string, '<' | '=' | '>', string][] = [
  ['1.36.1-r15', '<', '1.36.1-r19'],
  ['3.1.4-r1', '<', '3.1.4-r5'],
  ['3.1.4-r5', '<', '3.1.5-r0'],
  ['1.2.4-r1', '<', '1.2.4_git20230717-r4'],
  ['1.2.4_git20230717-r4', '<', '1.2.5-r0'],
  ['8.5.0-r0', '<', '8.9.1-r0'],
  ['20230506-r0', '<', '20240226-r0'],
  ['2.14.0-r5', '>', '2.12.14-r0'],
  ['9.6_p1-r0', '<', '9.7_p1-r0'],
  ['9.7_p1-r0', '>', '9.7-r0'],
  ['9.6_p1-r0', '<', '9.6_p1-r1'],
  ['4.2.52_p2-r1', '<', '4.2.52_p4-r2'],
  ['1.0_p10-r0', '>', '1.0_p9-r0'],
  ['2.3.0b-r1', '<', '2.3.0b-r2'],
  ['2.5.1-r8', '<', '2.5.1a-r1'],
  ['1.7', '<', '1.7b'],
  ['1.1', '>', '1.1_alpha1'],
  ['1.3_alpha', '<', '1.3_alpha2'],
  ['0.13_beta4', '<', '0.13_beta5'],
  ['6.7_rc1', '<', '6.7'],
  ['0.10.0', '<', '0.10.1_rc1'],
  ['3.9_pre20060124', '>', '0.01'],
  ['2.9.11_pre20051101-r3', '>', '2.9.11_pre20051101'],
  ['1.0.0_pre20191002222144-r0', '<', '1.0.0_pre20210530193627-r0'],
  ['0.1.0_alpha_pre2', '<', '0.1.0_alpha'],
  ['1.8.5', '<', '1.8.5_p2'],
  ['1.2.9.1-r1', '>', '1.2.9.1'],
  ['1.02.07', '<', '1.02.10-r1'],
  ['1.2.07.8', '<', '1.2.12.04'],
  ['2.15.05-r0', '<', '2.16.01-r0'],
  ['1.01', '<', '1.1'],
  ['1.001', '<', '1.01'],
  ['1.06-r6', '<', '006'],
  ['3.0.20060720', '<', '20060720'],
  ['2.12r-r4', '<', '2.12r-r5'],
  ['0.59s-r11', '<', '0.65'],
  ['1.0.4-r3', '=', '1.0.4-r3'],
  ['1.0', '<', '1.0-r1'],
  ['1.0-r0', '>', '1.0'],
  ['1.0a', '>', '1.0'],
  ['1.0a', '<', '1.0.1'],
  ['1.1_cvs', '>', '1.1'],
  ['1.1_cvs', '<', '1.1_svn'],
  ['1.1_svn', '<', '1.1_git'],
  ['1.1_git', '<', '1.1_hg'],
  ['1.1_hg', '<', '1.1_p'],
  ['1.1_p', '<', '1.1_p1'],
  ['1.1_rc', '<', '1.1_rc1'],
  ['1.1_alpha', '<', '1.1_beta'],
  ['1.1_beta', '<', '1.1_pre'],
  ['1.1_pre', '<', '1.1_rc'],
  ['1.1-r1', '<', '1.1_p1'],
  // A pre-release suffix sorts before the bare version even when the last component is `0`.
  ['1.0_rc1', '<', '1.0'],
  ['1.0_alpha', '<', '1.0'],
  ['1.0_beta2', '<', '1.0'],
  ['1.0_pre1', '<', '1.0'],
  ['2.0_rc1-r3', '<', '2.0-r0'],
  ['1.0', '<', '1.0_p1'],
  ['1.0', '<', '1.0bc'],
];

/**
 * An ascending ladder built from apk's documented version rules (apk-tools 2.12–2.14 version
 * comparison; Gentoo-style versions): suffix ranks, revisions, letters, `.0` components, leading
 * zeros compared as text, numeric components compared as numbers. Every pair (i < j) must order
 * as i < j: 820 pairs.
 */
const LADDER = [
  '1.0_alpha',
  '1.0_alpha1',
  '1.0_alpha2',
  '1.0_beta',
  '1.0_beta3',
  '1.0_pre1',
  '1.0_rc1',
  '1.0_rc1-r1',
  '1.0_rc2',
  '1.0',
  '1.0-r1',
  '1.0-r2',
  '1.0_cvs',
  '1.0_svn',
  '1.0_git20230101',
  '1.0_hg',
  '1.0_p1',
  '1.0_p1-r1',
  '1.0_p2',
  '1.0a',
  '1.0a-r1',
  '1.0a_p1',
  '1.0b',
  '1.0.0',
  '1.0.01',
  '1.0.1_rc1',
  '1.0.1',
  '1.0.9',
  '1.00.1',
  '1.001',
  '1.01',
  '1.01.5',
  '1.1_alpha',
  '1.1',
  '1.1.1',
  '1.2',
  '1.10',
  '2',
  '2.0_beta',
  '10',
  '20240101',
];

describe('apk version order', () => {
  it('orders real Alpine version pairs as apk does', () => {
    for (const [a, op, b] of ORDERED) {
      const expected = op === '<' ? -1 : op === '>' ? 1 : 0;
      assert.equal(Math.sign(compareApkVersions(a, b)), expected, `${a} ${op} ${b}`);
      assert.equal(Math.sign(compareApkVersions(b, a)), expected === 0 ? 0 : -expected, `${b} against ${a}`);
    }
  });

  it("orders every pair of a ladder built from apk's version rules", () => {
    let pairs = 0;
    for (let i = 0; i < LADDER.length; i++) {
      for (let j = i + 1; j < LADDER.length; j++) {
        const lower = LADDER[i] as string;
        const higher = LADDER[j] as string;
        assert.equal(Math.sign(compareApkVersions(lower, higher)), -1, `${lower} < ${higher}`);
        assert.equal(Math.sign(compareApkVersions(higher, lower)), 1, `${higher} > ${lower}`);
        pairs++;
      }
      assert.equal(compareApkVersions(LADDER[i] as string, LADDER[i] as string), 0);
    }
    assert.ok(pairs >= 200, `${pairs} pairs`);
  });

  it('sorts the suffix ladder: _alpha < _beta < _pre < _rc < none < _cvs < _svn < _git < _hg < _p', () => {
    const ladder = ['2.1_alpha', '2.1_beta', '2.1_pre', '2.1_rc', '2.1', '2.1_cvs', '2.1_svn', '2.1_git', '2.1_hg', '2.1_p'];
    const shuffled = [...ladder].reverse();
    assert.deepEqual(shuffled.sort(compareApkVersions), ladder);
  });

  it('validates versions as apk_version_validate does', () => {
    for (const version of [
      '1.0',
      '1.36.1-r19',
      '1.2.4_git20230717-r4',
      '2.3.0b-r1',
      '1.0_alpha_pre2',
      '20230506-r0',
      '9.7_p1-r0',
    ]) {
      assert.equal(isValidApkVersion(version), true, version);
    }
    for (const version of ['1.0A', '1.0_foo', '1.0 ', '-1', '1.0-x1', '1.0~rc1', '1,0', '1.0+1']) {
      assert.equal(isValidApkVersion(version), false, version);
    }
  });
});
