/**
 * rpmlint (Debian's rpmlint package) on both rpms: no errors. packaging/rpmlint.toml filters the
 * findings that are meant, each with its reason; packaging/README.md lists them.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { makeSandboxDir } from '../support/sandbox/common.js';
import { builtPackages, REPO_ROOT } from './support/build.js';
import { runAny } from './support/checks.js';

const packages: Record<string, string> = {};

// Building packages on a busy two-core machine can take minutes.
before(
  async () => {
    Object.assign(packages, await builtPackages(['rpm-dnf', 'rpm-yum']));
  },
  { timeout: 900_000 },
);

for (const id of ['rpm-dnf', 'rpm-yum']) {
  test(`rpmlint reports no errors on the ${id} package`, async () => {
    const { output } = await runAny('/usr/bin/rpmlint', ['-c', join(REPO_ROOT, 'packaging', 'rpmlint.toml'), packages[id]!], {
      HOME: makeSandboxDir('rpmlint-home'),
    });
    const errors = output.split('\n').filter((line) => / E: /.test(line));
    assert.deepEqual(errors, [], output);
    assert.match(output, /\b1 packages and 0 specfiles checked; 0 errors,/, output);
    // Warnings that the spec can avoid stay avoided.
    for (const tag of ['no-url-tag', 'env-script-interpreter', 'zero-length', 'devel-file-in-non-devel-package']) {
      assert.doesNotMatch(output, new RegExp(` [EW]: ${tag}\\b`), output);
    }
  });
}
