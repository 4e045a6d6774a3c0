/**
 * The collection's module tests (ansible/tests, pytest on Debian's python3) against real agents
 * they start through test/ansible/fleet-launcher.ts, plus ansible-doc on every module. The node
 * test fails when pytest fails, and when pytest ran no test at all (exit 5, or a summary without passes).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { it } from 'node:test';
import { COLLECTION_DIR, runProcess, SYSTEM_PYTHON } from './support.js';

// Three agents start once for the session; on a busy 2-core machine the whole run can pass the
// runner's default per-test bound.
it('pytest: every module against a real agent, and ansible-doc', { timeout: 900_000 }, async () => {
  const result = await runProcess(
    SYSTEM_PYTHON,
    ['-m', 'pytest', '-p', 'no:cacheprovider', '-q', '-rA', join(COLLECTION_DIR, 'tests')],
    { ...process.env, PYTHONDONTWRITEBYTECODE: '1', LPA_NODE: process.execPath },
    COLLECTION_DIR,
  );
  const output = result.stdout + result.stderr;
  assert.notEqual(result.code, 5, `pytest collected no tests:\n${output}`);
  assert.equal(result.code, 0, output);
  const passed = /(\d+) passed/.exec(output);
  assert.ok(passed && Number(passed[1]) >= 15, `too few tests passed:\n${output}`);
  assert.doesNotMatch(output, /\d+ (failed|error|skipped)/, output);
});
