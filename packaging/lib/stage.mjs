// Lays out one package's file tree: a production npm install of exactly the core, the target's
// backend and its audit plugins, plus the launcher, default configuration, service files and the
// agent's private directories.
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { bundleProductionTree } from './bundle.mjs';
import { CONFIG_DIR, INSTALL_PREFIX, LICENSE_PATH, MAN_PAGE, PRIVATE_DIRS, REPO_ROOT, TEMPLATES_DIR } from './paths.mjs';
import { pruneProductionTree } from './prune.mjs';
import { run } from './run.mjs';
import { renderSystemdUnit } from './systemd-unit.mjs';

const SCOPE = '@linux-patch-api';

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** Workspace packages of the scope by short name (`core`, `backend-apt`, `rpm-common`, …). */
export function workspacePackages() {
  const found = { core: { dir: join(REPO_ROOT, 'core'), manifest: readJson(join(REPO_ROOT, 'core', 'package.json')) } };
  for (const name of readdirSync(join(REPO_ROOT, 'plugins'))) {
    const manifestPath = join(REPO_ROOT, 'plugins', name, 'package.json');
    if (!existsSync(manifestPath)) continue;
    const manifest = readJson(manifestPath);
    if (manifest.name?.startsWith(`${SCOPE}/`))
      found[manifest.name.slice(SCOPE.length + 1)] = { dir: dirname(manifestPath), manifest };
  }
  return found;
}

/** The shipped packages plus every workspace package they depend on at run time (e.g. rpm-common). */
export function withWorkspaceDependencies(shortNames) {
  const workspaces = workspacePackages();
  const closure = new Set();
  const visit = (shortName) => {
    if (closure.has(shortName)) return;
    if (!workspaces[shortName]) throw new Error(`no workspace package ${SCOPE}/${shortName}`);
    closure.add(shortName);
    for (const dependency of Object.keys(workspaces[shortName].manifest.dependencies ?? {})) {
      if (dependency.startsWith(`${SCOPE}/`)) visit(dependency.slice(SCOPE.length + 1));
    }
  };
  for (const shortName of shortNames) visit(shortName);
  return [...closure];
}

/** `npm pack` of each workspace package (core and plugins); returns short name → tarball path. */
export function packWorkspaces(shortNames, tarballDir) {
  mkdirSync(tarballDir, { recursive: true });
  const workspaces = workspacePackages();
  // One npm run for all of them (each npm start costs seconds).
  const output = run(
    'npm',
    [
      'pack',
      '--silent',
      '--json',
      '--ignore-scripts',
      '--pack-destination',
      tarballDir,
      ...shortNames.flatMap((shortName) => ['--workspace', workspaces[shortName].manifest.name]),
    ],
    { cwd: REPO_ROOT },
  );
  const tarballs = {};
  for (const packed of JSON.parse(output)) {
    const shortName = packed.name.slice(SCOPE.length + 1);
    tarballs[shortName] = join(tarballDir, packed.filename);
  }
  for (const shortName of shortNames) {
    if (!tarballs[shortName]) throw new Error(`npm pack produced no tarball for ${SCOPE}/${shortName}`);
  }
  return tarballs;
}

/** node-gyp needs Node's headers; use the running Node's when installed beside it (no download). */
function nodeGypEnvironment() {
  const prefix = dirname(dirname(process.execPath));
  const env = { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };
  if (!env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node.h'))) env.npm_config_nodedir = prefix;
  return env;
}

function npmInstall(prefixDir, tarballPaths) {
  mkdirSync(prefixDir, { recursive: true });
  if (!existsSync(join(prefixDir, 'package.json'))) {
    writeFileSync(
      join(prefixDir, 'package.json'),
      `${JSON.stringify({ name: 'linux-patch-api-dist', private: true }, null, 2)}\n`,
    );
  }
  run(
    'npm',
    [
      'install',
      '--omit=dev',
      '--no-package-lock',
      '--install-links',
      '--foreground-scripts',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      ...tarballPaths,
    ],
    { cwd: prefixDir, env: nodeGypEnvironment() },
  );
}

/**
 * A production install shared by every target: the core and the audit plugins with all their
 * dependencies (the native addon compiled once). Targets start from a copy and add their backend.
 */
export function installCommonBase(baseDir, tarballPaths) {
  rmSync(baseDir, { recursive: true, force: true });
  npmInstall(baseDir, tarballPaths);
}

/**
 * Installs exactly the given workspace tarballs (and their production dependencies) into
 * prefixDir, starting from a copy of `baseDir` when given (npm keeps what is already satisfied),
 * then bundles our packages (see bundle.mjs) unless `bundle` is false.
 */
function productionInstall(prefixDir, tarballPaths, baseDir, bundle) {
  if (baseDir) cpSync(baseDir, prefixDir, { recursive: true, verbatimSymlinks: true });
  npmInstall(prefixDir, tarballPaths);
  // Record what was installed by name and version, not by the build machine's tarball paths.
  const nodeModules = join(prefixDir, 'node_modules');
  rmSync(join(nodeModules, '.package-lock.json'), { force: true });
  const manifest = readJson(join(prefixDir, 'package.json'));
  for (const name of Object.keys(manifest.dependencies ?? {})) {
    manifest.dependencies[name] = readJson(join(nodeModules, name, 'package.json')).version;
  }
  writeFileSync(join(prefixDir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  if (bundle) bundleProductionTree(nodeModules);
  pruneProductionTree(nodeModules);
  for (const name of readdirSync(join(nodeModules, SCOPE))) dropSourceConditions(join(nodeModules, SCOPE, name, 'package.json'));
}

/**
 * The workspace manifests carry an `lpa-source` export condition that points at `src/` for the
 * development loop, and `types` for TypeScript users; neither sources nor declarations are
 * installed, so the installed manifests lose both.
 */
function dropSourceConditions(manifestPath) {
  const manifest = readJson(manifestPath);
  const strip = (value) => {
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => key !== 'lpa-source' && key !== 'types')
        .map(([key, inner]) => [key, strip(inner)]),
    );
  };
  if (manifest.exports !== undefined) manifest.exports = strip(manifest.exports);
  delete manifest.types;
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
}

function writeFile(root, path, content, mode) {
  const target = join(root, path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, content);
  chmodSync(target, mode);
}

function template(name) {
  return readFileSync(join(TEMPLATES_DIR, name), 'utf8');
}

/** The core's CLI entry as its package.json declares it. */
function coreCliPath() {
  const bin = readJson(join(REPO_ROOT, 'core', 'package.json')).bin;
  const cli = typeof bin === 'string' ? bin : bin['linux-patch-api'];
  return cli.replace(/^\.\//, '');
}

/** gzip -9n: no name and a zero timestamp in the header, so the file is reproducible. */
function gzipReproducibly(text) {
  const compressed = gzipSync(text, { level: 9 });
  compressed.writeUInt32LE(0, 4);
  return compressed;
}

function debianChangelog(version, packager, date) {
  return `linux-patch-api (${version}) unstable; urgency=medium\n\n  * Release ${version}.\n\n -- ${packager}  ${date}\n`;
}

/** Exactly the target's backend and audit plugins are installed, and no other plugin. */
function verifyShippedPlugins(target, scopeDir) {
  for (const name of readdirSync(scopeDir)) {
    const kind = readJson(join(scopeDir, name, 'package.json'))['linux-patch-api']?.kind;
    const wanted = kind === 'backend' ? name === target.backend : kind === 'audit' ? target.audit.includes(name) : true;
    if (!wanted) throw new Error(`${target.id} must not ship ${SCOPE}/${name} (${kind})`);
  }
  for (const name of ['core', target.backend, ...target.audit]) {
    if (!existsSync(join(scopeDir, name))) throw new Error(`${target.id}: ${SCOPE}/${name} is missing from the install`);
  }
}

/**
 * Builds the staging tree for one target and returns facts the format builders need.
 * `tarballs` maps workspace short names to `npm pack` outputs.
 */
export function stageTarget(target, { stageDir, tarballs, baseDir, version, packager, buildDate, bundle = true }) {
  rmSync(stageDir, { recursive: true, force: true });
  mkdirSync(stageDir, { recursive: true });
  const shipped = withWorkspaceDependencies(['core', target.backend, ...target.audit]);
  const prefixDir = join(stageDir, INSTALL_PREFIX);
  productionInstall(
    prefixDir,
    shipped.map((name) => tarballs[name]),
    baseDir,
    bundle,
  );
  verifyShippedPlugins(target, join(prefixDir, 'node_modules', SCOPE));

  const cli = coreCliPath();
  if (!existsSync(join(prefixDir, 'node_modules', SCOPE, 'core', cli))) {
    process.stderr.write(`warning: ${target.id}: the core's ${cli} is missing from its build; the launcher will fail\n`);
  }
  writeFile(stageDir, 'usr/bin/linux-patch-api', template('launcher.sh').replace('{{CLI}}', cli), 0o755);

  writeFile(stageDir, `${CONFIG_DIR}/config.yaml`, template('config.yaml'), 0o640);
  writeFile(stageDir, `${CONFIG_DIR}/whitelist.yaml`, template('whitelist.yaml'), 0o640);
  chmodSync(join(stageDir, CONFIG_DIR), 0o755);
  for (const dir of PRIVATE_DIRS) {
    mkdirSync(join(stageDir, dir), { recursive: true });
    chmodSync(join(stageDir, dir), 0o700);
  }

  if (target.init === 'systemd') {
    writeFile(stageDir, 'usr/lib/systemd/system/linux-patch-api.service', renderSystemdUnit(target), 0o644);
  } else {
    writeFile(stageDir, 'etc/init.d/linux-patch-api', template('linux-patch-api.openrc'), 0o755);
    writeFile(stageDir, 'etc/conf.d/linux-patch-api', template('linux-patch-api.confd'), 0o644);
  }

  if (target.format === 'deb') {
    // Debian keeps the license in the copyright file; the other distributions in /usr/share/licenses.
    writeFile(stageDir, 'usr/share/doc/linux-patch-api/copyright', template('copyright'), 0o644);
  } else {
    writeFile(stageDir, LICENSE_PATH.slice(1), readFileSync(join(REPO_ROOT, 'LICENSE')), 0o644);
  }
  if (target.init === 'openrc') {
    // supervise-daemon appends the agent's output to one file that nothing else rotates.
    writeFile(stageDir, 'etc/logrotate.d/linux-patch-api', template('linux-patch-api.logrotate'), 0o644);
  }
  writeFile(stageDir, MAN_PAGE.slice(1), gzipReproducibly(template('linux-patch-api.8')), 0o644);
  if (target.format === 'deb') {
    const changelog = gzipReproducibly(
      debianChangelog(`${version}-1`, packager, buildDate.toUTCString().replace('GMT', '+0000')),
    );
    writeFile(stageDir, 'usr/share/doc/linux-patch-api/changelog.Debian.gz', changelog, 0o644);
    writeFile(stageDir, 'usr/share/lintian/overrides/linux-patch-api', template('lintian-overrides'), 0o644);
  }
  return { shipped, cli };
}
