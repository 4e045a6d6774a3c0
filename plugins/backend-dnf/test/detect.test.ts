import assert from 'node:assert/strict';
import { it } from 'node:test';
import { parseOsRelease } from '@linux-patch-api/core';
import { isYumDistribution } from '../../backend-yum/src/detect.js';
import { isDnfDistribution } from '../src/detect.js';

const release = (text: string) => parseOsRelease(text);

it('chooses dnf on Fedora, RHEL 8+ and its rebuilds, Amazon Linux 2023; never together with yum', () => {
  const cases: [string, boolean, boolean][] = [
    ['ID=fedora\nVERSION_ID=40', true, false],
    ['ID="rhel"\nID_LIKE="fedora"\nVERSION_ID="9.4"', true, false],
    ['ID="rhel"\nID_LIKE="fedora"\nVERSION_ID="8.10"', true, false],
    ['ID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.3"', true, false],
    ['ID="almalinux"\nID_LIKE="rhel centos fedora"\nVERSION_ID="8.9"', true, false],
    ['ID="centos"\nID_LIKE="rhel fedora"\nVERSION_ID="9"', true, false],
    ['ID="amzn"\nID_LIKE="fedora"\nVERSION_ID="2023"', true, false],
    ['ID="centos"\nID_LIKE="rhel fedora"\nVERSION_ID="7"', false, true],
    ['ID="rhel"\nID_LIKE="fedora"\nVERSION_ID="7.9"', false, true],
    ['ID="amzn"\nID_LIKE="centos rhel fedora"\nVERSION_ID="2"', false, true],
    ['ID=debian\nVERSION_ID="12"', false, false],
    ['ID=alpine\nVERSION_ID=3.20.0', false, false],
  ];
  for (const [text, dnf, yum] of cases) {
    const parsed = release(text);
    assert.equal(isDnfDistribution(parsed), dnf, `dnf for ${text.replaceAll('\n', ' ')}`);
    assert.equal(isYumDistribution(parsed), yum, `yum for ${text.replaceAll('\n', ' ')}`);
  }
});
