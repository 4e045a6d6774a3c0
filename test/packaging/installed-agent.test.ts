/**
 * The agent as the .deb installs it: unpacked into a dpkg --root sandbox, started from the
 * package's own production node_modules (no workspace, no devDependencies), it discovers only the
 * plugins the package ships and answers over mutual TLS. Its backend works on an apt sandbox root.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createTestPki, freePort, writeAgentConfig } from '../support/agent.js';
import { type AptSandbox, createAptSandbox } from '../support/sandbox/apt.js';
import { makeSandboxDir, runTool } from '../support/sandbox/common.js';
import { mtlsRequest } from '../support/tls-client.js';
import { waitFor } from '../support/wait.js';
import { builtPackages } from './support/build.js';
import { SCOPE_DIR } from './support/checks.js';
import { launcherEnvironment } from './support/inspect.js';

let root: string;
let sandbox: AptSandbox;
let agent: ChildProcess | undefined;

// Building packages on a busy two-core machine can take minutes.
before(
  async () => {
    const deb = (await builtPackages(['deb']))['deb']!;
    const dir = makeSandboxDir('installed-agent');
    root = join(dir, 'root');
    for (const sub of ['var/lib/dpkg/info', 'var/lib/dpkg/updates', 'var/lib/dpkg/triggers']) {
      await mkdir(join(root, sub), { recursive: true });
    }
    await writeFile(join(root, 'var/lib/dpkg/status'), '');
    await writeFile(join(root, 'var/lib/dpkg/available'), '');
    await runTool('/usr/bin/dpkg', [
      `--root=${root}`,
      `--log=${join(dir, 'dpkg.log')}`,
      '--force-script-chrootless',
      '--force-depends',
      '-i',
      deb,
    ]);
    sandbox = await createAptSandbox();
  },
  { timeout: 900_000 },
);

after(async () => {
  if (agent && agent.exitCode === null && agent.signalCode === null) {
    agent.kill('SIGKILL');
    await once(agent, 'exit');
  }
  sandbox?.dispose();
});

test('the installed agent starts from the package alone, loads only its own plugins and answers over mTLS', async () => {
  const agentDir = join(makeSandboxDir('installed-agent-config'), 'agent');
  await mkdir(agentDir, { recursive: true });
  const pki = await createTestPki(agentDir);
  const { configPath } = await writeAgentConfig(agentDir, {
    port: await freePort(),
    config: { backend: { name: 'apt', root: sandbox.root }, audit: { sinks: ['file'], retention_days: 30 } },
  });

  // What /usr/bin/linux-patch-api execs (its node options included), with the package's tree under
  // the sandbox root. The young generation is capped (see packaging/templates/launcher.sh).
  const launcher = await readFile(join(root, 'usr/bin/linux-patch-api'), 'utf8');
  const exec = new RegExp(`^exec /usr/bin/node((?: --\\S+)*) ${SCOPE_DIR}/core/dist/cli\\.js "\\$@"$`, 'm').exec(launcher);
  assert.ok(exec, `the launcher execs node on the core's cli.js:\n${launcher}`);
  const nodeOptions = (exec[1] ?? '').split(' ').filter(Boolean);
  assert.ok(nodeOptions.includes('--max-semi-space-size=4'), `the launcher caps the young generation: ${nodeOptions.join(' ')}`);
  const environment = launcherEnvironment(launcher);
  assert.equal(environment['MALLOC_ARENA_MAX'], '2', `the launcher limits glibc's malloc arenas:\n${launcher}`);
  const cli = join(root, SCOPE_DIR, 'core/dist/cli.js');
  const child = spawn(process.execPath, [...nodeOptions, cli, 'serve', '--config', configPath], {
    cwd: '/',
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', ...environment },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  agent = child;
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const logs = () =>
    output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  const listening = await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`the installed agent exited with ${child.exitCode}:\n${output}`);
      return logs().find((record) => record['msg'] === 'linux-patch-api listening');
    },
    { timeoutMs: 60_000, what: 'the installed agent to listen' },
  );

  const loaded = logs()
    .filter((record) => record['msg'] === 'plugin loaded')
    .map((record) => String(record['plugin']))
    .sort();
  assert.deepEqual(
    loaded,
    ['@linux-patch-api/audit-file', '@linux-patch-api/audit-journald', '@linux-patch-api/backend-apt'],
    output,
  );
  for (const record of logs().filter((r) => r['msg'] === 'plugin loaded')) {
    assert.ok(String(record['entry']).startsWith(join(root, SCOPE_DIR)), `loaded from the package: ${record['entry']}`);
  }

  const health = await mtlsRequest({
    host: '127.0.0.1',
    port: Number(listening['port']),
    ca: pki.ca.certPem,
    cert: pki.client.certPem,
    key: pki.client.keyPem,
    path: '/health',
    timeoutMs: 30_000,
  });
  assert.equal(health.status, 200, health.text);
  assert.equal(health.json.success, true);

  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0, output);
});

test('the installed manifests point only at installed files (no lpa-source condition into src/, no declarations)', async () => {
  const scope = join(root, SCOPE_DIR);
  const targets = (exports: unknown): string[] =>
    typeof exports === 'string'
      ? [exports]
      : exports !== null && typeof exports === 'object'
        ? Object.entries(exports).flatMap(([key, value]) => {
            assert.notEqual(key, 'lpa-source');
            return targets(value);
          })
        : [];
  const names = await readdir(scope);
  assert.ok(names.length >= 4, names.join(', '));
  for (const name of names) {
    const manifest = JSON.parse(await readFile(join(scope, name, 'package.json'), 'utf8')) as { exports?: unknown };
    for (const target of targets(manifest.exports)) {
      assert.ok(existsSync(join(scope, name, target)), `${name}: ${target} is installed`);
    }
  }
});

test('the installed pki command runs from the pruned tree (@peculiar/x509 and tsyringe load)', async () => {
  const cli = join(root, SCOPE_DIR, 'core/dist/cli.js');
  const dir = join(makeSandboxDir('installed-pki'), 'pki');
  for (const args of [
    ['ca', '--dir', dir],
    ['client', '--dir', dir, '--cn', 'ops'],
  ]) {
    await runTool(process.execPath, [cli, 'pki', ...args], { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
  }
  assert.ok(existsSync(join(dir, 'ops.pem')) && existsSync(join(dir, 'ops.key')));
});

/** The core's error class as written (`class LpaError`) or as esbuild emits it (`var LpaError = class`). */
const DEFINES_LPA_ERROR = /\bclass LpaError\b|\bLpaError = class\b/;

test('the bundles hold one copy of the core: plugins import it at run time and its entries share one chunk of its classes', async () => {
  const scope = join(root, SCOPE_DIR);
  const coreDist = join(scope, 'core/dist');
  const coreFiles = (await readdir(coreDist, { recursive: true })).filter((name) => name.endsWith('.js'));
  const definingErrors: string[] = [];
  for (const name of coreFiles) {
    if (DEFINES_LPA_ERROR.test(await readFile(join(coreDist, name), 'utf8'))) definingErrors.push(name);
  }
  assert.equal(definingErrors.length, 1, `one core file defines LpaError: ${definingErrors.join(', ')}`);
  assert.match(definingErrors[0]!, /^chunk-/, 'the class sits in a chunk that cli.js and index.js share');
  for (const name of ['cli.js', 'index.js']) {
    assert.ok(
      (await readFile(join(coreDist, name), 'utf8')).includes(`from "./${definingErrors[0]}"`),
      `${name} imports the shared chunk`,
    );
  }
  // One character that is not Latin-1, even in a comment, makes V8 keep a file's whole source as two bytes a character.
  for (const name of coreFiles) {
    assert.doesNotMatch(await readFile(join(coreDist, name), 'utf8'), /[^\x00-\x7f]/, `${name} is ASCII`);
  }
  for (const plugin of (await readdir(scope)).filter((name) => name !== 'core')) {
    const bundle = await readFile(join(scope, plugin, 'dist/index.js'), 'utf8');
    assert.doesNotMatch(bundle, /[^\x00-\x7f]/, `${plugin}'s bundle is ASCII`);
    assert.match(bundle, /from "@linux-patch-api\/core"/, `${plugin} imports the installed core`);
    assert.doesNotMatch(bundle, DEFINES_LPA_ERROR, `${plugin} holds no copy of the core`);
  }
});

test("the installed journald sink loads the unix-dgram addon from its bundle's place and sends a record", async () => {
  const dir = makeSandboxDir('installed-journald');
  const socketPath = join(dir, 'journal.socket');
  const plugin = join(root, SCOPE_DIR, 'audit-journald/dist/index.js');
  const script = join(dir, 'send.mjs');
  // Run by the system's Node from the installed tree alone: the receiver uses the installed addon too.
  await writeFile(
    script,
    `import { createRequire } from 'node:module';
const [plugin, socketPath] = process.argv.slice(2);
const receiver = createRequire(plugin)('unix-dgram').createSocket('unix_dgram');
const arrived = new Promise((resolve) => receiver.on('message', (message) => resolve(Buffer.from(message).toString('latin1'))));
receiver.bind(socketPath);
const { JournaldSink } = await import(plugin);
const sink = new JournaldSink({ socketPath });
await sink.write({ event: 'agent_start', timestamp: new Date().toISOString(), agent: { hostname: 'h1', version: '1.0.0' } }, { durable: true });
await sink.close();
process.stdout.write(await arrived);
receiver.close();
`,
  );
  const { stdout } = await runTool(process.execPath, [script, plugin, socketPath], {
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
  });
  assert.match(stdout, /SYSLOG_IDENTIFIER=linux-patch-api/);
  assert.match(stdout, /LPA_EVENT=agent_start/);
});
