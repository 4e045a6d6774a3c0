/** Every published package carries the project's MIT LICENSE, where its source lives, and no source maps. */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const LICENSE = readFileSync(join(REPO, 'LICENSE'), 'utf8');
const packageDirs = ['core', ...readdirSync(join(REPO, 'plugins')).map((dir) => `plugins/${dir}`)].filter((dir) =>
  existsSync(join(REPO, dir, 'package.json')),
);

interface Manifest {
  license?: string;
  homepage?: string;
  repository?: { type?: string; url?: string; directory?: string };
  files?: string[];
  scripts?: Record<string, string>;
}

it('the root LICENSE is the MIT license', () => {
  assert.match(LICENSE, /^MIT License\n\nCopyright \(c\) \d{4} /);
  assert.match(LICENSE, /THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND/);
});

for (const dir of packageDirs) {
  it(`${dir}: LICENSE, license, homepage, repository, no source maps published`, () => {
    assert.equal(readFileSync(join(REPO, dir, 'LICENSE'), 'utf8'), LICENSE, `${dir}/LICENSE is the project's LICENSE`);
    const manifest = JSON.parse(readFileSync(join(REPO, dir, 'package.json'), 'utf8')) as Manifest;
    assert.equal(manifest.license, 'MIT');
    assert.match(manifest.homepage ?? '', /^https:\/\//);
    assert.equal(manifest.repository?.type, 'git');
    assert.match(manifest.repository?.url ?? '', /^git\+https:\/\/.+\.git$/);
    assert.equal(manifest.repository?.directory, dir);
    assert.ok(manifest.files?.includes('!dist/**/*.map'), `${dir}: files leaves source maps out`);
    // The packed manifest loses the lpa-source condition (it points at src/, which is not packed).
    assert.match(manifest.scripts?.['prepack'] ?? '', /publish-manifest\.mjs strip$/);
    assert.match(manifest.scripts?.['postpack'] ?? '', /publish-manifest\.mjs restore$/);
  });
}
