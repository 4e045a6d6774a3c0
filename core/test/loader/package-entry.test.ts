import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { resolvePackageEntry } from '../../src/loader/package-entry.js';

const DIR = '/opt/plugins/acme';

describe('resolvePackageEntry (the file import would load for a package directory)', () => {
  it('follows exports: a string, a root entry, conditions in object order, arrays, nesting', () => {
    assert.equal(resolvePackageEntry(DIR, { exports: './lib/plugin.js' }), join(DIR, 'lib/plugin.js'));
    assert.equal(resolvePackageEntry(DIR, { exports: { '.': './root.js', './extra': './extra.js' } }), join(DIR, 'root.js'));
    assert.equal(
      resolvePackageEntry(DIR, { exports: { types: './x.d.ts', import: './esm.js', default: './other.js' } }),
      join(DIR, 'esm.js'),
    );
    assert.equal(resolvePackageEntry(DIR, { exports: { default: './first.js', import: './second.js' } }), join(DIR, 'first.js'));
    assert.equal(
      resolvePackageEntry(DIR, { exports: { '.': { require: './cjs.cjs', node: { import: './node-esm.js' } } } }),
      join(DIR, 'node-esm.js'),
    );
    assert.equal(resolvePackageEntry(DIR, { exports: [{ browser: './b.js' }, './fallback.js'] }), join(DIR, 'fallback.js'));
  });

  it('falls back to main, then index.js, then index.mjs', async () => {
    assert.equal(resolvePackageEntry(DIR, { main: 'dist/main.js' }), join(DIR, 'dist/main.js'));
    assert.equal(resolvePackageEntry(DIR, { exports: { '.': { browser: './b.js' } }, main: './m.js' }), join(DIR, 'm.js'));
    const dir = await mkdtemp(join(tmpdir(), 'lpa-entry-'));
    try {
      assert.equal(resolvePackageEntry(dir, {}), join(dir, 'index.mjs'));
      await writeFile(join(dir, 'index.js'), '');
      assert.equal(resolvePackageEntry(dir, {}), join(dir, 'index.js'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
