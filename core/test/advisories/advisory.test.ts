import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { advisoriesOf, classify, higherSeverity, normalizeSeverity } from '../../src/advisories/advisory.js';
import type { Advisory, Upgrade } from '../../src/contracts/backend.js';

const upgrade: Upgrade = {
  name: 'openssl',
  current_version: '1',
  available_version: '2',
  architecture: null,
  security: true,
  severity: 'Important',
  advisories: ['RHSA-2024:0001', 'CVE-2024-0727'],
  repository: null,
};

describe('advisories in one format', () => {
  it('normalizes each distribution’s severity words onto one scale and keeps unknown words unknown', () => {
    const cases: [string | null, string][] = [
      ['Critical', 'critical'],
      ['Important', 'high'],
      ['high', 'high'],
      ['Moderate', 'medium'],
      ['medium**', 'medium'],
      ['Low', 'low'],
      ['unimportant', 'low'],
      ['not yet assigned', 'unknown'],
      ['end-of-life', 'unknown'],
      [null, 'unknown'],
    ];
    for (const [raw, normalized] of cases) assert.equal(normalizeSeverity(raw), normalized, String(raw));
    assert.equal(higherSeverity('low', 'critical'), 'critical');
    assert.equal(higherSeverity('medium', 'unknown'), 'medium');
  });

  it('classifies by the advisories, security first, and by the distribution’s security flag', () => {
    const of = (type: Advisory['type']): Advisory => ({
      id: type,
      type,
      severity: 'unknown',
      severity_raw: null,
      cves: [],
      source: 'test',
      url: null,
      issued: null,
    });
    assert.equal(classify([of('bugfix'), of('security')], false), 'security');
    assert.equal(classify([of('enhancement'), of('bugfix')], null), 'bugfix');
    assert.equal(classify([of('enhancement')], null), 'enhancement');
    assert.equal(classify([], true), 'security');
    assert.equal(classify([], null), 'unknown');
  });

  it('keeps a backend’s own records, and makes one per id for a backend that gives only ids', () => {
    const own: Advisory[] = [
      {
        id: 'X',
        type: 'bugfix',
        severity: 'low',
        severity_raw: 'Low',
        cves: [],
        source: 'updateinfo',
        url: null,
        issued: null,
      },
    ];
    assert.equal(advisoriesOf({ ...upgrade, advisory_records: own }, 'dnf'), own);
    assert.deepEqual(advisoriesOf(upgrade, 'dnf'), [
      {
        id: 'RHSA-2024:0001',
        type: 'security',
        severity: 'high',
        severity_raw: 'Important',
        cves: [],
        source: 'dnf',
        url: null,
        issued: null,
      },
      {
        id: 'CVE-2024-0727',
        type: 'security',
        severity: 'high',
        severity_raw: 'Important',
        cves: ['CVE-2024-0727'],
        source: 'dnf',
        url: null,
        issued: null,
      },
    ]);
  });
});
