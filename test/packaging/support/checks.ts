/**
 * Checks every native package must pass, whatever its format: what it holds (the core, only its
 * own backend, the audit plugins, production dependencies only) and the modes of what it installs.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import type { FileModes } from './inspect.js';

export const BACKENDS = ['backend-apt', 'backend-dnf', 'backend-yum', 'backend-apk', 'backend-pacman'];
export const PRIVATE_DIRS = [
  '/etc/linux_patch_api/certs',
  '/var/lib/linux_patch_api',
  '/var/lib/linux_patch_api/jobs',
  '/var/lib/linux_patch_api/state',
  '/var/log/linux_patch_api',
];
export const SCOPE_DIR = '/usr/lib/linux-patch-api/node_modules/@linux-patch-api';

/** The core, exactly one backend (ownBackend) and both audit plugins. */
export function assertShipsOnlyItsOwnBackend(id: string, files: FileModes, ownBackend: string): void {
  const plugins = new Set(
    [...files.keys()]
      .map((path) => (path.startsWith(`${SCOPE_DIR}/`) ? path.slice(SCOPE_DIR.length + 1).split('/')[0] : undefined))
      .filter((name): name is string => name !== undefined),
  );
  assert.ok(plugins.has('core'), `${id} ships the core`);
  assert.ok(plugins.has(ownBackend), `${id} ships ${ownBackend}`);
  for (const backend of BACKENDS.filter((b) => b !== ownBackend)) {
    assert.ok(!plugins.has(backend), `${id} must not ship ${backend}`);
  }
  assert.ok(plugins.has('audit-journald') && plugins.has('audit-file'), `${id} ships both audit plugins`);
  assert.ok(files.has(`${SCOPE_DIR}/core/package.json`), `${id}: the core's package.json`);
  assert.ok(
    [...files.keys()].some((path) => path.startsWith(`${SCOPE_DIR}/core/dist/`) && path.endsWith('.js')),
    `${id}: the core's compiled JavaScript`,
  );
}

const NODE_MODULES = '/usr/lib/linux-patch-api/node_modules';
/** What ships as packages beside the bundles: the journald addon and what loads it. */
const UNBUNDLED = ['unix-dgram', 'bindings', 'file-uri-to-path'];

/**
 * No devDependency, no TypeScript source and no test file of ours. The npm dependencies are inside
 * the bundles (their licenses in the core's THIRD-PARTY-LICENSES); only our packages and the native
 * addon remain packages of their own.
 */
export function assertProductionOnly(id: string, files: FileModes): void {
  const devOnly = /\/node_modules\/(typescript|tsx|esbuild|@biomejs|@types|autocannon|lerna)\//;
  for (const path of files.keys()) {
    assert.doesNotMatch(path, devOnly, `${id} ships a devDependency: ${path}`);
    if (path.startsWith(SCOPE_DIR)) {
      assert.doesNotMatch(path, /\/(src|test)\/|\.test\.[jt]s$|\.ts$(?<!\.d\.ts$)/, `${id} ships a source or test file: ${path}`);
    }
  }
  const packages = new Set(
    [...files.keys()]
      .filter((path) => path.startsWith(`${NODE_MODULES}/`))
      .map((path) =>
        path
          .slice(NODE_MODULES.length + 1)
          .split('/')
          .slice(0, 2),
      )
      .filter((parts) => parts.length === 2)
      .map(([first, second]) => (first!.startsWith('@') ? `${first}/${second}` : first!)),
  );
  const foreign = [...packages].filter((name) => !name.startsWith('@linux-patch-api/') && !UNBUNDLED.includes(name));
  assert.deepEqual(foreign, [], `${id}: npm packages the bundles should hold ship on their own`);
  assert.ok(packages.has('unix-dgram'), `${id}: the journald addon ships as a package`);
  assert.ok(files.has(`${SCOPE_DIR}/core/THIRD-PARTY-LICENSES`), `${id}: the licenses of the bundled npm packages`);
}

const MAN_PAGE = '/usr/share/man/man8/linux-patch-api.8.gz';
/** A bundled module's license file, kept whatever its extension. */
const LICENSE_NAME = /^(licen[cs]e|copying|copyright|copyrightnotice)([.-].*)?$/i;

/**
 * Only what runs: compiled JavaScript, production dependencies, the man page, licenses, configs
 * and service files. No TypeScript (sources or declarations), source maps, Markdown or HTML, no
 * C/C++ headers or sources, no `nan` (build-time headers) and no executable found through PATH.
 */
export function assertOnlyWhatRuns(id: string, files: FileModes, licensePath: string): void {
  const unwanted: string[] = [];
  for (const path of files.keys()) {
    const name = path.slice(path.lastIndexOf('/') + 1);
    if (path === MAN_PAGE || LICENSE_NAME.test(name)) continue;
    if (/\.([cm]?ts|tsx|map|md|markdown|html|h|cc|c|gyp)$/.test(name) || /\/node_modules\/(nan|\.bin)(\/|$)/.test(path)) {
      unwanted.push(path);
    }
  }
  assert.deepEqual(unwanted, [], `${id} ships files that never run`);
  assert.ok(files.has(licensePath), `${id}: the project's license at ${licensePath}`);
  assert.ok(files.has(`${SCOPE_DIR}/core/LICENSE`), `${id}: the core's LICENSE`);
  assert.ok(files.has(MAN_PAGE), `${id}: the manual page`);
  // Bundled: each of our packages' dist/ holds its entries and their shared chunks, nothing else.
  const ENTRY_OR_CHUNK = /\/dist\/(cli\.js|index\.js|testing\/index\.js|chunk-[A-Z0-9]+\.js)$/;
  const unbundled = [...files.keys()].filter(
    (path) =>
      path.startsWith(`${SCOPE_DIR}/`) &&
      path.includes('/dist/') &&
      files.get(path)?.startsWith('-') &&
      !ENTRY_OR_CHUNK.test(path),
  );
  assert.deepEqual(unbundled, [], `${id}: files in dist/ that are neither an entry nor a chunk`);
  assert.ok(files.has(`${SCOPE_DIR}/core/dist/index.js`), `${id}: the core's public entry`);
}

/** Launcher 0755, configuration 0640, private directories 0700, the service file. */
export function assertLayoutAndModes(id: string, files: FileModes, init: 'systemd' | 'openrc'): void {
  assert.equal(files.get('/usr/bin/linux-patch-api'), '-rwxr-xr-x', `${id}: launcher`);
  assert.equal(files.get('/usr/share/man/man8/linux-patch-api.8.gz'), '-rw-r--r--', `${id}: manual page`);
  assert.equal(files.get('/etc/linux_patch_api/config.yaml'), '-rw-r-----', `${id}: config.yaml`);
  assert.equal(files.get('/etc/linux_patch_api/whitelist.yaml'), '-rw-r-----', `${id}: whitelist.yaml`);
  for (const dir of PRIVATE_DIRS) assert.equal(files.get(dir), 'drwx------', `${id}: ${dir}`);
  if (init === 'openrc') {
    assert.equal(files.get('/etc/init.d/linux-patch-api'), '-rwxr-xr-x', `${id}: OpenRC script`);
    assert.ok(!files.has('/usr/lib/systemd/system/linux-patch-api.service'), `${id}: no systemd unit`);
  } else {
    assert.equal(files.get('/usr/lib/systemd/system/linux-patch-api.service'), '-rw-r--r--', `${id}: systemd unit`);
  }
}

/** The pid of a process that has exited (and, as the test runs briefly, not been reused). */
export function deadPid(): number {
  const child = spawnSync('/bin/true');
  assert.equal(child.status, 0);
  return child.pid;
}

/** Resolves with exit code and output, whatever the exit code. */
export function runAny(
  file: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      file,
      [...args],
      { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C.UTF-8', ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, output: `${stdout}${stderr}` });
      },
    );
  });
}
