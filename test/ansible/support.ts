/**
 * Running the collection from the checkout against a fleet of real agents (../support/fleet.ts):
 * a collections directory that points at `ansible/`, an inventory of the fleet's hosts, and
 * ansible-playbook / pytest as child processes.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/agent.js';
import type { Fleet, FleetHost, FleetSandbox } from '../support/fleet.js';
import { makeSandboxDir, removeSandboxDir } from '../support/sandbox/common.js';

export const COLLECTION_DIR = join(REPO_ROOT, 'ansible');
/** Debian's python3 (the one ansible-core runs on); a pyenv shim earlier in PATH would not have ansible. */
export const SYSTEM_PYTHON = '/usr/bin/python3';

/** A directory laid out as ansible_collections/linux_patch_api/agent → the checkout's ansible/. */
export async function collectionsPath(): Promise<string> {
  const dir = makeSandboxDir('collections');
  await mkdir(join(dir, 'ansible_collections/linux_patch_api'), { recursive: true });
  await symlink(COLLECTION_DIR, join(dir, 'ansible_collections/linux_patch_api/agent'));
  return dir;
}

export interface ProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runProcess(file: string, args: string[], env: NodeJS.ProcessEnv, cwd = REPO_ROOT): Promise<ProcessResult> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, env, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

export interface Rollout {
  dir: string;
  inventory: string;
  collections: string;
}

/**
 * An inventory (YAML, written as JSON) with the given hosts as the canary ring and the rest of the
 * fleet as production; `hostVars` adds variables per host name.
 */
export async function prepareRollout<S extends FleetSandbox>(
  fleet: Fleet<S>,
  canary: FleetHost<S>[],
  hostVars: Record<string, Record<string, unknown>> = {},
): Promise<Rollout> {
  const dir = makeSandboxDir('rollout');
  const hostsOf = (hosts: FleetHost<S>[]) =>
    Object.fromEntries(
      hosts.map((host) => [host.name, { lpa_address: host.address, lpa_port: fleet.port, ...hostVars[host.name] }]),
    );
  const production = fleet.hosts.filter((host) => !canary.includes(host));
  const inventory = join(dir, 'inventory.yml');
  await writeFile(
    inventory,
    JSON.stringify({ all: { children: { canary: { hosts: hostsOf(canary) }, production: { hosts: hostsOf(production) } } } }),
  );
  return { dir, inventory, collections: await collectionsPath() };
}

const ANSIBLE_PLAYBOOK = '/usr/bin/ansible-playbook';

function ansibleEnvironment(rollout: Rollout, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: rollout.dir,
    LC_ALL: 'C.UTF-8',
    ANSIBLE_COLLECTIONS_PATH: rollout.collections,
    ANSIBLE_LOCAL_TEMP: join(rollout.dir, 'tmp'),
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_RETRY_FILES_ENABLED: '0',
    ANSIBLE_FORKS: '5',
    ...extra,
  };
}

export interface PlaybookRun extends ProcessResult {
  /** The per-host summary the playbook wrote (null when it wrote none). */
  // biome-ignore lint/suspicious/noExplicitAny: the summary is JSON the test reads freely
  summary: Record<string, any> | null;
  /** PLAY RECAP counters per host. */
  recap: Record<string, Record<string, number>>;
}

function parseRecap(stdout: string): Record<string, Record<string, number>> {
  const recap: Record<string, Record<string, number>> = {};
  const start = stdout.lastIndexOf('PLAY RECAP');
  if (start === -1) return recap;
  for (const line of stdout.slice(start).split('\n').slice(1)) {
    const match = /^(\S+)\s+:\s+(.*)$/.exec(line.trim());
    if (!match) continue;
    recap[match[1]!] = Object.fromEntries([...match[2]!.matchAll(/(\w+)=(\d+)/g)].map((m) => [m[1]!, Number(m[2])]));
  }
  return recap;
}

export async function runPlaybook(
  fleet: Fleet<FleetSandbox>,
  rollout: Rollout,
  options: { playbook?: string; extraVars?: Record<string, unknown>; check?: boolean; outputDir: string },
): Promise<PlaybookRun> {
  await mkdir(options.outputDir, { recursive: true });
  const varsFile = join(options.outputDir, 'vars.json');
  await writeFile(
    varsFile,
    JSON.stringify({
      lpa_client_cert: fleet.client.cert,
      lpa_client_key: fleet.client.key,
      lpa_ca_path: fleet.client.ca,
      lpa_output_dir: options.outputDir,
      lpa_summary_dest: join(options.outputDir, 'summary.json'),
      lpa_job_timeout: 300,
      ...options.extraVars,
    }),
  );
  const result = await runProcess(
    ANSIBLE_PLAYBOOK,
    [
      '-i',
      rollout.inventory,
      `linux_patch_api.agent.${options.playbook ?? 'rolling_patch'}`,
      '-e',
      `@${varsFile}`,
      ...(options.check ? ['--check', '--diff'] : []),
    ],
    ansibleEnvironment(rollout),
    options.outputDir,
  );
  const summaryPath = join(options.outputDir, 'summary.json');
  return {
    ...result,
    summary: existsSync(summaryPath) ? JSON.parse(readFileSync(summaryPath, 'utf8')) : null,
    recap: parseRecap(result.stdout),
  };
}

/** name → version of every fleet host's dpkg database, keyed by host name. */
export async function fleetVersions(fleet: Fleet): Promise<Record<string, Record<string, string>>> {
  const entries = await Promise.all(
    fleet.hosts.map(async (host) => [host.name, Object.fromEntries([...(await host.sandbox.dpkgQuery())].sort())] as const),
  );
  return Object.fromEntries(entries);
}

/** The `data` of a GET on the host's agent, with the fleet's client certificate (asserts a 200). */
// biome-ignore lint/suspicious/noExplicitAny: the envelope's data is JSON the test reads freely
export async function agentGet(fleet: Fleet<FleetSandbox>, host: FleetHost<FleetSandbox>, path: string): Promise<any> {
  const { mtlsRequest } = await import('../support/tls-client.js');
  const res = await mtlsRequest({
    host: host.address,
    port: fleet.port,
    ca: readFileSync(fleet.client.ca, 'utf8'),
    cert: readFileSync(fleet.client.cert, 'utf8'),
    key: readFileSync(fleet.client.key, 'utf8'),
    path,
  });
  assert.equal(res.status, 200, res.text);
  return res.json.data;
}

/** Every mutating (not dry-run) job the host's agent has run. */
export async function realJobs(
  fleet: Fleet<FleetSandbox>,
  host: FleetHost<FleetSandbox>,
): Promise<{ id: string; type: string }[]> {
  const { jobs } = await agentGet(fleet, host, '/jobs');
  return (jobs as { id: string; type: string; request: { dry_run?: boolean } }[]).filter((job) => job.request?.dry_run !== true);
}

export interface ModuleRun extends ProcessResult {
  /** The module's result as Ansible reports it (json callback); null when Ansible printed none. */
  // biome-ignore lint/suspicious/noExplicitAny: a module result is JSON the test reads freely
  result: Record<string, any> | null;
}

/**
 * One module of the collection on one host of the rollout's inventory, as an operator runs it ad hoc
 * (`ansible HOST -m linux_patch_api.agent.MODULE -a ARGS`), with the fleet's client certificate.
 */
export async function runModule<S extends FleetSandbox>(
  fleet: Fleet<S>,
  rollout: Rollout,
  host: FleetHost<S>,
  module: string,
  args: Record<string, unknown>,
  options: { check?: boolean; diff?: boolean } = {},
): Promise<ModuleRun> {
  const connection = { url: host.url, client_cert: fleet.client.cert, client_key: fleet.client.key, ca_path: fleet.client.ca };
  // --tree writes each host's result as JSON; stdout keeps the default output (and --diff's text).
  const tree = makeSandboxDir('module-result');
  const run = await runProcess(
    '/usr/bin/ansible',
    [
      '-i',
      rollout.inventory,
      host.name,
      '-c',
      'local',
      '-e',
      'ansible_python_interpreter=/usr/bin/python3',
      '-m',
      `linux_patch_api.agent.${module}`,
      '-a',
      JSON.stringify({ ...connection, ...args }),
      ...(options.check ? ['--check'] : []),
      ...(options.diff ? ['--diff'] : []),
      '--tree',
      tree,
    ],
    ansibleEnvironment(rollout),
  );
  const resultPath = join(tree, host.name);
  const result = existsSync(resultPath) ? JSON.parse(readFileSync(resultPath, 'utf8')) : null;
  removeSandboxDir(tree);
  return { ...run, result };
}
