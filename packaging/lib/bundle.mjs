// Bundles each installed @linux-patch-api package into a few ES modules with esbuild, so that the
// agent loads about a dozen files at start instead of about 500 (Node 20 has no compile cache;
// resolving, reading and compiling each file is most of its start time). The core and its npm
// dependencies become `dist/cli.js`, `dist/index.js` and `dist/testing/index.js` sharing chunks
// (one instance of every core module, so a plugin's errors are the core's classes); what the core
// imports lazily (execa, the WebSocket stack, the X.509 stack) stays in chunks loaded on first use.
// Each plugin becomes one `dist/index.js` that imports the core (and other @linux-patch-api
// packages) at run time, as a separately versioned package must. Packages with a native addon stay
// installed as they are. The inlined packages leave node_modules; their licenses go into the
// bundling package's THIRD-PARTY-LICENSES.

import { chmodSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { buildSync } from 'esbuild';
import { LICENSE_FILE } from './prune.mjs';

const SCOPE = '@linux-patch-api';

/**
 * CommonJS dependencies call `require` on Node's built-in modules and read `__filename` (e.g.
 * write-file-atomic names its temporary files after it); an ES module has neither, so each output
 * file defines them for the code esbuild wraps.
 */
const COMMONJS_GLOBALS = [
  "import { createRequire as lpaCreateRequire } from 'node:module';",
  "import { fileURLToPath as lpaFileURLToPath } from 'node:url';",
  'const require = lpaCreateRequire(import.meta.url);',
  'const __filename = lpaFileURLToPath(import.meta.url);',
  "const __dirname = lpaFileURLToPath(new URL('.', import.meta.url));",
].join(' ');

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** The package directories of node_modules (scoped ones included), by name. */
function installedPackages(nodeModules) {
  const found = new Map();
  for (const entry of readdirSync(nodeModules)) {
    if (entry.startsWith('.')) continue;
    if (entry.startsWith('@')) {
      for (const inner of readdirSync(join(nodeModules, entry))) found.set(`${entry}/${inner}`, join(nodeModules, entry, inner));
    } else {
      found.set(entry, join(nodeModules, entry));
    }
  }
  return found;
}

/** A package with a compiled addon: loaded by path (bindings), so it cannot be inlined. */
function hasNativeAddon(packageDir) {
  return existsSync(join(packageDir, 'binding.gyp')) || existsSync(join(packageDir, 'build', 'Release'));
}

/** Names of `names` and every package they depend on at run time, as installed. */
function dependencyClosure(names, packages) {
  const closure = new Set();
  const visit = (name) => {
    if (closure.has(name) || !packages.has(name)) return;
    closure.add(name);
    const manifest = readJson(join(packages.get(name), 'package.json'));
    for (const dependency of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })) visit(dependency);
  };
  for (const name of names) visit(name);
  return closure;
}

/** The JavaScript files a manifest points Node at: its `bin` and each `exports` target, by entry name. */
function entryPoints(packageDir, manifest) {
  const targets = new Set();
  const collect = (value) => {
    if (typeof value === 'string') targets.add(value);
    else if (value !== null && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) if (key !== 'types' && key !== 'lpa-source') collect(inner);
    }
  };
  collect(manifest.exports ?? manifest.main ?? './dist/index.js');
  collect(manifest.bin ?? {});
  const entries = {};
  for (const target of targets) {
    if (!target.endsWith('.js')) continue;
    const path = join(packageDir, target);
    if (!path.startsWith(join(packageDir, 'dist') + sep)) throw new Error(`${manifest.name}: entry ${target} is outside dist/`);
    entries[relative(join(packageDir, 'dist'), path).slice(0, -'.js'.length)] = path;
  }
  return entries;
}

const NON_ASCII = /[^\x00-\x7f]/;
const COMMENT_LINE = /^\s*(\/\/|\/\*|\*)/;
const ASCII_FOR = { '—': '--', '–': '-', '…': '...', '§': 'S.', '→': '->', '‘': "'", '’': "'", '“': '"', '”': '"' };

/**
 * V8 keeps each file's source text, as one-byte characters when all of them are Latin-1 and as
 * two bytes each otherwise: one `—` in a comment doubled the 2.3 MB cli.js to 4.4 MiB of heap.
 * esbuild writes the code itself in ASCII (escaping what is not) but keeps comments as they are, so
 * the comments' other characters become ASCII here; a line of code that is not ASCII fails the build.
 */
function asciiOnly(path) {
  const text = readFileSync(path, 'utf8');
  if (!NON_ASCII.test(text)) return;
  const lines = text.split('\n').map((line, index) => {
    if (!NON_ASCII.test(line)) return line;
    if (!COMMENT_LINE.test(line))
      throw new Error(`${path}:${index + 1}: a line of code that is not ASCII: ${line.slice(0, 120)}`);
    return line.replace(/[^\x00-\x7f]/g, (char) => ASCII_FOR[char] ?? '?');
  });
  writeFileSync(path, lines.join('\n'));
}

/** The directory of the node_modules package an input file of the bundle belongs to. */
function packageDirOfInput(input, workingDir) {
  const path = resolve(workingDir, input);
  const at = path.lastIndexOf(`${sep}node_modules${sep}`);
  if (at === -1) return null;
  const inner = path.slice(at + `${sep}node_modules${sep}`.length).split(sep);
  return join(path.slice(0, at), 'node_modules', ...inner.slice(0, inner[0].startsWith('@') ? 2 : 1));
}

function licenseNotice(packageDir) {
  const manifest = readJson(join(packageDir, 'package.json'));
  const name = manifest.name;
  const texts = readdirSync(packageDir)
    .filter((file) => LICENSE_FILE.test(file))
    .sort()
    .map((file) => readFileSync(join(packageDir, file), 'utf8').trim());
  const license = typeof manifest.license === 'string' ? manifest.license : (manifest.license?.type ?? 'see below');
  return [
    `${name} ${manifest.version} (${license})`,
    '-'.repeat(72),
    ...(texts.length > 0 ? texts : [`${license}; the package ships no license file.`]),
  ].join('\n');
}

/** Bundles one package's dist/ in place; returns the directories of the npm packages it inlined. */
function bundlePackage(packageDir, external) {
  const manifest = readJson(join(packageDir, 'package.json'));
  const entries = entryPoints(packageDir, manifest);
  const outDir = join(packageDir, 'dist.bundled');
  // node_modules (the packages are scoped): esbuild names inputs and outputs relative to it.
  const workingDir = dirname(dirname(packageDir));
  const result = buildSync({
    entryPoints: entries,
    outdir: outDir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external,
    // Chunks sit beside the entries, at the depth of the modules they hold (dist/), so that the
    // core's `import.meta.url`-relative reads (its package.json, node_modules) still find their files.
    chunkNames: 'chunk-[hash]',
    // Not minified: stack traces in the logs keep readable lines and the function and class names.
    keepNames: true,
    legalComments: 'none',
    // Escapes what is not ASCII in the code (the default, relied on by asciiOnly).
    charset: 'ascii',
    banner: { js: COMMONJS_GLOBALS },
    metafile: true,
    logLevel: 'error',
    // The bundles' comments name each module's file relative to node_modules, not the build machine's paths.
    absWorkingDir: workingDir,
  });
  for (const output of Object.keys(result.metafile.outputs)) asciiOnly(resolve(workingDir, output));
  rmSync(join(packageDir, 'dist'), { recursive: true, force: true });
  renameSync(outDir, join(packageDir, 'dist'));
  for (const bin of Object.values(typeof manifest.bin === 'string' ? { bin: manifest.bin } : (manifest.bin ?? {}))) {
    chmodSync(join(packageDir, bin), 0o755);
  }
  const inlined = new Set();
  for (const input of Object.keys(result.metafile.inputs)) {
    const dir = packageDirOfInput(input, workingDir);
    // Our own packages are either this one or external; everything else came from npm.
    if (dir !== null && dirname(dir) !== dirname(packageDir)) inlined.add(dir);
  }
  return inlined;
}

/**
 * Bundles every @linux-patch-api package of a production node_modules tree in place and removes the
 * packages that are now inside the bundles. Each bundled package keeps in its `dependencies` only
 * what still ships as a package beside it.
 */
export function bundleProductionTree(nodeModules) {
  const packages = installedPackages(nodeModules);
  const native = [...packages].filter(([, dir]) => hasNativeAddon(dir)).map(([name]) => name);
  const ours = [...packages.keys()].filter((name) => name.startsWith(`${SCOPE}/`));
  const inlinedBy = new Map();
  for (const name of ours) {
    const external = name === `${SCOPE}/core` ? native : [`${SCOPE}/*`, ...native];
    inlinedBy.set(name, bundlePackage(packages.get(name), external));
  }
  // Our packages import each other at run time; what they import from npm is in the bundles now,
  // except the native addons, which ship with what they load.
  const shipped = new Set([...ours, ...dependencyClosure(native, packages)]);
  for (const [name, inlined] of inlinedBy) {
    const dir = packages.get(name);
    const notices = [...inlined].sort().map(licenseNotice);
    if (notices.length > 0) {
      writeFileSync(
        join(dir, 'THIRD-PARTY-LICENSES'),
        `${name}'s dist/ holds these npm packages, bundled at packaging time, under these licenses:\n\n${notices.join('\n\n\n')}\n`,
      );
    }
    const manifestPath = join(dir, 'package.json');
    const manifest = readJson(manifestPath);
    if (manifest.dependencies) {
      manifest.dependencies = Object.fromEntries(
        Object.entries(manifest.dependencies).filter(([dependency]) => shipped.has(dependency)),
      );
      if (Object.keys(manifest.dependencies).length === 0) delete manifest.dependencies;
    }
    writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  }
  for (const [name, dir] of packages) {
    if (shipped.has(name)) continue;
    rmSync(dir, { recursive: true, force: true });
    const scopeDir = dirname(dir);
    if (scopeDir !== nodeModules && readdirSync(scopeDir).length === 0) rmSync(scopeDir, { recursive: true });
  }
}
