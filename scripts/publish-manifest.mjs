#!/usr/bin/env node
// npm `prepack` / `postpack` of every workspace package: the published package.json loses the
// `lpa-source` export condition, which points at src/ (not published; only the test runner and the
// benchmarks use it, with --conditions=lpa-source). `strip` keeps the original beside it,
// `restore` puts it back. Runs in the package's directory, as npm runs its scripts.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

const MANIFEST = 'package.json';
const KEPT = 'package.json.development';

function withoutSourceCondition(value) {
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== 'lpa-source')
      .map(([key, inner]) => [key, withoutSourceCondition(inner)]),
  );
}

const [action] = process.argv.slice(2);
if (action === 'strip') {
  if (existsSync(KEPT)) {
    console.error(`${KEPT} exists: a previous pack did not finish; restore it first (publish-manifest.mjs restore)`);
    process.exit(1);
  }
  const text = readFileSync(MANIFEST, 'utf8');
  const manifest = JSON.parse(text);
  writeFileSync(KEPT, text);
  manifest.exports = withoutSourceCondition(manifest.exports);
  writeFileSync(MANIFEST, `${JSON.stringify(manifest, null, 2)}\n`);
} else if (action === 'restore') {
  if (existsSync(KEPT)) renameSync(KEPT, MANIFEST);
} else {
  console.error('usage: publish-manifest.mjs strip | restore');
  process.exit(2);
}
