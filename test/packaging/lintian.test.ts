/** lintian, Debian's package checker, on the .deb: no errors (warnings allowed; the shipped overrides say why the private modes are meant). */
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

test('lintian reports no errors', async () => {
  const { code, output } = await runAny('/usr/bin/lintian', ['--no-tag-display-limit', packages.deb]);
  const errors = output.split('\n').filter((line) => line.startsWith('E:'));
  assert.deepEqual(errors, [], output);
  // lintian exits 2 when it finds errors (or fails to run at all).
  assert.equal(code, 0, output);
});
