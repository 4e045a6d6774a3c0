import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { parseOsRelease } from '@linux-patch-api/core';
import { isOstreeBooted, ostreeBackendDefinition } from '../src/definition.js';

it('claims a root with run/ostree-booted and nothing else; os-release alone never selects it', async () => {
  const root = await mkdtemp(join(tmpdir(), 'lpa-ostree-root-'));
  try {
    assert.equal(isOstreeBooted(root), false);
    await mkdir(join(root, 'run'));
    await writeFile(join(root, 'run/ostree-booted'), '');
    assert.equal(ostreeBackendDefinition.claimsHost?.(root), true);
    assert.equal(ostreeBackendDefinition.detect(parseOsRelease('ID=fedora\nVARIANT_ID=coreos')), false);
    // This Debian machine is not booted from OSTree.
    assert.equal(isOstreeBooted(null), false);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
