// Reduces a production node_modules tree to what runs: compiled JavaScript, JSON, the native
// addon and the license files. What npm packages publish for other readers (TypeScript sources and
// declarations, source maps, Markdown, HTML docs, C/C++ sources and headers, CI and editor
// settings) goes, and so do the builds Node never loads.
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './run.mjs';

/** Kept whatever their extension: every bundled module's license travels with it. */
export const LICENSE_FILE = /^(licen[cs]e|copying|copyright|copyrightnotice)([.-].*)?$/i;

/** File names nothing at run time reads. */
const UNUSED_FILE =
  /(\.d\.[cm]?ts|\.[cm]?ts|\.tsx|\.map|\.md|\.markdown|\.html|\.ico|\.h|\.hh|\.c|\.cc|\.cpp|\.gyp|\.gypi|\.bnf|\.sh)$|^(\.[^.].*|Makefile|CMakeLists\.txt|Containerfile|Dockerfile|CNAME|appveyor\.yml|binding\.gyp)$/;

/** Top-level folders of a package that hold tests, examples, sources of a native addon or tooling. */
const UNUSED_PACKAGE_DIRS = new Set([
  'test',
  'tests',
  '__tests__',
  'example',
  'examples',
  'benchmark',
  'benchmarks',
  'docs',
  'scripts',
  'tools',
  '.github',
  '.husky',
]);

/**
 * Whole packages or builds Node never loads here, each with the reason:
 * - `nan`: C++ headers for compiling the syslog addon; nothing requires it once the addon is built.
 * - tsyringe: Node loads its `main` (dist/cjs); the esm5/esm2015 builds are for bundlers.
 * - @peculiar/x509: Node loads its `main` (build/x509.cjs.js); x509.es.js is for bundlers and
 *   x509.js is the browser bundle.
 */
const UNUSED_BUILDS = {
  nan: ['.'],
  tsyringe: ['dist/esm5', 'dist/esm2015', 'dist/typings'],
  '@peculiar/x509': ['build/x509.es.js', 'build/x509.js'],
  'node_modules/.bin': ['.'],
};

/**
 * Packages whose ES module graph is closed and static: only the modules reachable from the entry
 * the agent imports are kept. zod publishes its sources, a CommonJS copy, v3, mini and classic
 * builds (8 MB); the agent's `import … from 'zod'` loads index.js and what it imports (under 1 MB).
 */
const STATIC_ESM_PACKAGES = { zod: ['index.js'] };

const RELATIVE_SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*)["'](\.{1,2}\/[^"']+)["']/g;

function reachableModules(packageDir, entries) {
  const seen = new Set();
  const visit = (path) => {
    if (seen.has(path)) return;
    seen.add(path);
    const source = readFileSync(path, 'utf8');
    for (const match of source.matchAll(RELATIVE_SPECIFIER)) visit(join(path, '..', match[1]));
  };
  for (const entry of entries) visit(join(packageDir, entry));
  return seen;
}

function keepOnlyReachable(packageDir, entries) {
  const keep = reachableModules(packageDir, entries);
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(path);
        if (readdirSync(path).length === 0) rmSync(path, { recursive: true });
      } else if (dir !== packageDir || !(entry.name === 'package.json' || LICENSE_FILE.test(entry.name))) {
        if (!keep.has(path)) rmSync(path, { force: true });
      }
    }
  };
  walk(packageDir);
}

/**
 * `#!/usr/bin/env node` becomes `#!/usr/bin/node` (what Fedora's brp-mangle-shebangs and Debian
 * policy ask for): an installed program must not depend on the caller's PATH.
 */
function pinInterpreter(path) {
  const head = readFileSync(path);
  if (head[0] !== 0x23 || head[1] !== 0x21) return;
  const text = head.toString('utf8');
  const pinned = text.replace(/^#!\s*\/usr\/bin\/env\s+(node|sh|bash)\b/, (_, name) =>
    name === 'node' ? '#!/usr/bin/node' : `#!/bin/${name}`,
  );
  if (pinned !== text) writeFileSync(path, pinned);
}

function pruneNativeBuild(buildDir) {
  for (const leftover of readdirSync(buildDir)) {
    if (leftover !== 'Release') rmSync(join(buildDir, leftover), { recursive: true, force: true });
  }
  for (const leftover of readdirSync(join(buildDir, 'Release'))) {
    const file = join(buildDir, 'Release', leftover);
    if (!leftover.endsWith('.node')) {
      rmSync(file, { recursive: true, force: true });
      continue;
    }
    run('strip', ['--strip-unneeded', file]);
    chmodSync(file, 0o644);
  }
}

/** Removes `dir` and, going up, each folder the removal left empty. */
function removeEmptyDirs(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory() && !entry.isSymbolicLink()) removeEmptyDirs(join(dir, entry.name));
  }
  if (readdirSync(dir).length === 0) rmSync(dir, { recursive: true });
}

export function pruneProductionTree(nodeModules) {
  for (const [name, paths] of Object.entries(UNUSED_BUILDS)) {
    const base = name === 'node_modules/.bin' ? join(nodeModules, '.bin') : join(nodeModules, name);
    for (const path of paths) rmSync(join(base, path), { recursive: true, force: true });
  }
  for (const [name, entries] of Object.entries(STATIC_ESM_PACKAGES)) {
    if (existsSync(join(nodeModules, name))) keepOnlyReachable(join(nodeModules, name), entries);
  }
  const walk = (dir) => {
    const packageRoot = existsSync(join(dir, 'package.json'));
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isSymbolicLink()) continue;
      if (entry.isFile()) {
        if (LICENSE_FILE.test(entry.name) || entry.name === 'package.json') continue;
        if (UNUSED_FILE.test(entry.name)) rmSync(path, { force: true });
        else pinInterpreter(path);
      } else if (entry.isDirectory() && packageRoot && UNUSED_PACKAGE_DIRS.has(entry.name)) {
        rmSync(path, { recursive: true, force: true });
      } else if (entry.isDirectory() && entry.name === 'build' && existsSync(join(path, 'Release'))) {
        pruneNativeBuild(path);
      } else if (entry.isDirectory()) {
        walk(path);
      }
    }
  };
  walk(nodeModules);
  removeEmptyDirs(nodeModules);
}
