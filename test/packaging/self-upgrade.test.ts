/**
 * Safe self-upgrade, end to end: the real agent process (apt backend on a sandbox root) upgrades a
 * package whose postinst is the real linux-patch-api postinst, except that its "restart the
 * service" step does what systemd's restart does to the service's control group: it kills the
 * agent and every process of the package-manager run. The agent must leave a marker so that the
 * postinst defers instead; the job then completes, its outcome is recorded, and only after that the
 * agent stops and exits with the self-restart code, which the service manager answers with a
 * restart.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { SELF_RESTART_EXIT_CODE } from '../../core/src/system/self-upgrade.js';
import {
  type AgentProcess,
  createTestPki,
  freePort,
  spawnAgentProcess,
  type TestPki,
  writeAgentConfig,
} from '../support/agent.js';
import { type AptSandbox, createAptSandbox } from '../support/sandbox/apt.js';
import { fingerprintFile, makeSandboxDir, runTool } from '../support/sandbox/common.js';
import { mtlsRequest } from '../support/tls-client.js';
import { waitFor } from '../support/wait.js';
import { REPO_ROOT } from './support/build.js';

const PROBE = 'lpa-self-upgrade-probe';
/** Where the simulated service manager keeps the service's main pid (inside the sandbox root). */
const SERVICE_PID_FILE = 'run/lpa-test-service.pid';

/**
 * systemctl restart, as seen from inside the service: SIGKILL to the agent and to the whole
 * package-manager run (apt-get, dpkg and this script share a process group with Dpkg::Use-Pty=0).
 */
const SIMULATED_SERVICE_MANAGER = `# Test double for the service manager: what a restart does to the service's control group.
lpa_daemon_reload() {
	:
}
lpa_restart_service() {
	echo "service restart: killing the agent and its package-manager run" >&2
	: >/run/lpa-service-restarted
	kill -KILL "$(cat /${SERVICE_PID_FILE})"
	kill -KILL 0
}
lpa_stop_service() {
	lpa_restart_service
}
`;

/** The real Debian postinst of linux-patch-api, as the packaging builds it. */
function realPostinst(): string {
  return execFileSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      "import { debianScripts } from './packaging/lib/maintainer-scripts.mjs'; process.stdout.write(debianScripts().postinst);",
    ],
    { cwd: REPO_ROOT, encoding: 'utf8' },
  );
}

async function buildProbeRepo(dir: string): Promise<string> {
  const postinst = realPostinst();
  // Same script, with the service-manager functions replaced just before they are used.
  const probePostinst = postinst.replace(/^case "\$1" in$/m, `${SIMULATED_SERVICE_MANAGER}\ncase "$1" in`);
  assert.notEqual(probePostinst, postinst, 'the postinst has the expected shape');
  assert.match(probePostinst, /lpa_restart_or_defer/);
  const repo = join(dir, 'repo');
  await mkdir(repo, { recursive: true });
  for (const version of ['1.0-1', '1.1-1']) {
    const tree = join(dir, `${PROBE}_${version}`);
    await mkdir(join(tree, 'DEBIAN'), { recursive: true });
    await mkdir(join(tree, 'usr/share', PROBE), { recursive: true });
    await writeFile(join(tree, 'usr/share', PROBE, 'VERSION'), `${version}\n`);
    await writeFile(
      join(tree, 'DEBIAN/control'),
      [
        `Package: ${PROBE}`,
        `Version: ${version}`,
        'Architecture: all',
        'Maintainer: linux-patch-api tests <tests@example.invalid>',
        `Description: stands in for linux-patch-api in self-upgrade tests`,
        ' Its postinst is the real one of linux-patch-api.',
        '',
      ].join('\n'),
    );
    await writeFile(join(tree, 'DEBIAN/postinst'), probePostinst);
    await chmod(join(tree, 'DEBIAN/postinst'), 0o755);
    await runTool('/usr/bin/dpkg-deb', [
      '-Zgzip',
      '-z1',
      '--root-owner-group',
      '--build',
      tree,
      join(repo, `${PROBE}_${version}_all.deb`),
    ]);
  }
  const { stdout: packages } = await runTool('/usr/bin/dpkg-scanpackages', ['--multiversion', '.', '/dev/null'], { cwd: repo });
  await writeFile(join(repo, 'Packages'), packages);
  const { stdout: release } = await runTool('/usr/bin/apt-ftparchive', ['release', '.'], { cwd: repo });
  await writeFile(join(repo, 'Release'), release);
  return repo;
}

/** dpkg runs maintainer scripts chrooted into the root: give them the tools the script calls. */
async function addScriptTools(root: string): Promise<void> {
  await copyFile('/bin/busybox', join(root, 'bin/busybox'));
  await chmod(join(root, 'bin/busybox'), 0o755);
  for (const applet of ['sed', 'cat', 'chmod']) {
    if (!existsSync(join(root, 'bin', applet))) await runTool('/bin/ln', ['-s', 'busybox', join(root, 'bin', applet)]);
  }
  await mkdir(join(root, 'run'), { recursive: true });
}

type AuditRecord = Record<string, unknown>;

/** Audit records in the order written: the file sink's log when wired, else the operational log. */
async function auditRecords(agentDir: string, agentOutput: string): Promise<AuditRecord[]> {
  try {
    const text = await readFile(join(agentDir, 'log/audit.log'), 'utf8');
    const records = text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as AuditRecord);
    if (records.length > 0) return records;
  } catch {
    // no file sink: fall through
  }
  return agentOutput
    .split('\n')
    .filter((line) => line.includes('"audit"'))
    .map((line) => (JSON.parse(line) as { audit: AuditRecord }).audit);
}

const hostStatus = fingerprintFile('/var/lib/dpkg/status');
let sandbox: AptSandbox;
let agentDir: string;
let configPath: string;
let pki: TestPki;
let agent: AgentProcess | undefined;

before(async () => {
  sandbox = await createAptSandbox({ withShell: true, update: false });
  await addScriptTools(sandbox.root);
  const repo = await buildProbeRepo(makeSandboxDir('self-upgrade-repo'));
  await writeFile(join(sandbox.root, 'etc/apt/sources.list'), `deb [trusted=yes] file:${repo} ./\n`);
  await sandbox.aptGet(['-q', 'update']);
  await sandbox.aptGet(['-y', '-q', 'install', '--', `${PROBE}=1.0-1`]);

  agentDir = join(sandbox.dir, 'agent');
  await mkdir(agentDir, { recursive: true });
  pki = await createTestPki(agentDir);
  ({ configPath } = await writeAgentConfig(agentDir, {
    port: await freePort(),
    config: {
      backend: { name: 'apt', root: sandbox.root },
      // The maintainer script, chrooted into the root, sees this as /var/lib/linux_patch_api.
      paths: { state_dir: join(sandbox.root, 'var/lib/linux_patch_api'), log_dir: 'log' },
      audit: { sinks: ['file'], retention_days: 30 },
    },
  }));
});

after(async () => {
  await agent?.stop('SIGKILL');
  sandbox?.dispose();
  assert.equal(fingerprintFile('/var/lib/dpkg/status'), hostStatus, "the host's dpkg database is untouched");
});

it('a job upgrading the agent is not killed by the package restart; the agent restarts after the job is recorded', async () => {
  agent = await spawnAgentProcess({ configPath, timeoutMs: 60_000 });
  const running = agent;
  await writeFile(join(sandbox.root, SERVICE_PID_FILE), `${running.child.pid}\n`);
  const exited = new Promise<number | null>((resolve) => running.child.once('exit', (code) => resolve(code)));

  const request = (method: string, path: string) =>
    mtlsRequest({
      host: '127.0.0.1',
      port: running.port,
      ca: pki.ca.certPem,
      cert: pki.client.certPem,
      key: pki.client.keyPem,
      method,
      path,
      timeoutMs: 30_000,
    });
  const submitted = await request('PUT', `/packages/${PROBE}`);
  assert.equal(submitted.status, 202, submitted.text);
  const jobId = submitted.json.data.id as string;

  const exitCode = await waitFor(
    async () => (running.child.exitCode === null && running.child.signalCode === null ? undefined : exited),
    {
      timeoutMs: 120_000,
      intervalMs: 50,
      what: 'the agent to exit for its restart',
    },
  ).catch(async (error: unknown) => {
    const job = await request('GET', `/jobs/${jobId}`).catch(() => null);
    throw new Error(`${String(error)}\njob: ${job?.text}\nagent output:\n${running.stdout().slice(-4000)}`);
  });
  const output = running.stdout();
  assert.ok(!existsSync(join(sandbox.root, 'run/lpa-service-restarted')), 'the postinst did not restart the service');
  assert.equal(running.child.signalCode, null, `the agent was killed:\n${output}`);
  assert.equal(exitCode, SELF_RESTART_EXIT_CODE, `exit code; agent output:\n${output}\n${running.stderr()}`);

  // The upgrade ran to the end: dpkg configured the new version, nothing is left half-done.
  assert.equal((await sandbox.dpkgQuery()).get(PROBE), '1.1-1');
  assert.equal((await sandbox.dpkgAudit()).trim(), '');
  const status = await readFile(join(sandbox.root, 'var/lib/dpkg/status'), 'utf8');
  assert.match(status, new RegExp(`Package: ${PROBE}\\nStatus: install ok installed`));

  // The postinst left the restart to the agent, and the agent recorded the job before stopping.
  const stateDir = join(sandbox.root, 'var/lib/linux_patch_api/state');
  assert.ok(existsSync(join(stateDir, 'restart-pending')), 'the postinst asked for a restart');
  assert.ok(!existsSync(join(stateDir, 'mutation-in-progress')), 'the marker is gone once the job finished');
  const records = await auditRecords(agentDir, output);
  const completed = records.findIndex((r) => r['event'] === 'job_completed' && r['job_id'] === jobId);
  const stopped = records.findIndex((r) => r['event'] === 'agent_stop');
  assert.ok(completed >= 0, `job_completed recorded; records: ${JSON.stringify(records.map((r) => r['event']))}`);
  const record = records[completed]!;
  assert.equal(record['status'], 'completed', JSON.stringify(record));
  assert.deepEqual(record['changes'], [{ name: PROBE, action: 'upgraded', from_version: '1.0-1', to_version: '1.1-1' }]);
  assert.ok(stopped > completed, 'the agent stopped only after the job was recorded');

  // The service manager restarts it: the new process takes the restart request as done.
  agent = await spawnAgentProcess({ configPath, timeoutMs: 60_000 });
  assert.ok(!existsSync(join(stateDir, 'restart-pending')), 'the restarted agent cleared the request');
  assert.equal(await agent.stop('SIGTERM'), 0);
  agent = undefined;
});
