import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { newestTransactionTime, parseHistoryDate, parseHistoryList } from '../src/history.js';

// dnf 4.14 on a sandbox root: install, upgrade (pulling in a dependency), remove (the first row's
// minute set one earlier to tell the rows apart). EL7's yum 3 as captured on a real host.
const DNF = readFileSync(join(import.meta.dirname, 'fixtures', 'dnf-history-list.txt'), 'utf8');
const EL7 = readFileSync(
  join(import.meta.dirname, '..', '..', 'backend-yum', 'test', 'fixtures', 'captured', 'el7', 'history-list.txt'),
  'utf8',
);

describe('history times', () => {
  it('the newest dnf transaction is the removal, in local time to the minute', () => {
    assert.equal(newestTransactionTime(parseHistoryList(DNF))?.getTime(), new Date(2026, 11, 7, 1, 32).getTime());
  });

  it('the newest yum 3 transaction, whatever the flags after the count', () => {
    assert.equal(newestTransactionTime(parseHistoryList(EL7))?.getTime(), new Date(2024, 1, 1, 10, 12).getTime());
  });

  it('an empty history (the header alone) and a malformed date give no time', () => {
    const header = DNF.split('\n').slice(0, 2).join('\n');
    assert.equal(newestTransactionTime(parseHistoryList(header)), null);
    assert.equal(parseHistoryDate('07/12/2026 01:32'), null);
  });
});
