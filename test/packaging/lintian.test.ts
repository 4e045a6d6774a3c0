/** lintian, Debian's package checker, on the .deb: no errors and no warnings (the shipped overrides say why each is meant). */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { builtPackages } from './support/build.js';
import { runAny } from './support/checks.js';

const packages = { deb: '' };

// Building packages on a busy two-core machine can take minutes.
before(
  async () => {
    packages.deb = (await builtPackages(['deb']))['deb']!;
  },
  { timeout: 900_000 },
);

test('lintian reports no errors and no warnings', async () => {
  const { code, output } = await runAny('/usr/bin/lintian', ['--tag-display-limit', '0', packages.deb]);
  const findings = output.split('\n').filter((line) => /^[EW]: /.test(line));
  assert.deepEqual(findings, [], output);
  // lintian exits 2 when it finds errors (or fails to run at all).
  assert.equal(code, 0, output);
});
