/**
 * A fleet of real agents for the Ansible collection's tests: each agent is its own process on its
 * own loopback address (127.0.0.11, .12, …), all on the same port, each with its own sandbox root
 * (an apt root on the same fixture repositories, or an OSTree sysroot), all trusting one fleet CA
 * that also issued the one client certificate Ansible uses.
 *
 *   const fleet = await startAptFleet({ hosts: 5, install: [`${HELLO}=1.0-1`] });
 *   fleet.hosts[0].url            // https://127.0.0.11:PORT
 *   fleet.client                  // { ca, cert, key } file paths for the modules
 *   await fleet.hosts[0].sandbox.dpkgQuery();
 *   await fleet.stop();
 *
 *   const atomic = await startOstreeFleet({ hosts: 5 });   // backend ostree, root = each sysroot
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type AgentProcess, freePort, spawnAgentProcess, writeAgentConfig } from './agent.js';
import { TestCa, writeServerFiles } from './pki.js';
import { type AptSandbox, createAptSandbox } from './sandbox/apt.js';
import { makeSandboxDir, removeSandboxDir } from './sandbox/common.js';
import { createOstreeSandbox, type OstreeSandbox, type OstreeSandboxOptions } from './sandbox/ostree.js';

export interface FleetSandbox {
  dir: string;
  root: string;
  dispose(): void;
}

export interface FleetHost<S extends FleetSandbox = AptSandbox> {
  /** The inventory name (`host11`, `host12`, …). */
  name: string;
  address: string;
  url: string;
  sandbox: S;
  process: AgentProcess;
}

export interface FleetClientFiles {
  ca: string;
  cert: string;
  key: string;
}

export interface Fleet<S extends FleetSandbox = AptSandbox> {
  dir: string;
  port: number;
  hosts: FleetHost<S>[];
  client: FleetClientFiles;
  stop(): Promise<void>;
}

interface FleetSize {
  hosts: number;
  /** Last octet of the first host's address (default 11). */
  firstOctet?: number;
}

export interface FleetOptions extends FleetSize {
  /** Installed on every root before its agent starts (`name=version`). */
  install?: readonly string[];
}

export function startAptFleet(options: FleetOptions): Promise<Fleet> {
  return startFleet(options, 'apt', () => createAptSandbox({ install: options.install ?? [] }));
}

export interface OstreeFleetOptions extends FleetSize {
  sandbox?: OstreeSandboxOptions;
}

/** Atomic hosts: `backend.name: ostree`, `backend.root` = each host's own sysroot (and repository). */
export function startOstreeFleet(options: OstreeFleetOptions): Promise<Fleet<OstreeSandbox>> {
  return startFleet(options, 'ostree', () => createOstreeSandbox(options.sandbox));
}

async function startFleet<S extends FleetSandbox>(
  options: FleetSize,
  backend: string,
  createSandbox: () => Promise<S>,
): Promise<Fleet<S>> {
  const dir = makeSandboxDir('fleet');
  const ca = await TestCa.create({ name: 'linux-patch-api fleet test CA' });
  const clientCertificate = await ca.issueClient({ cn: 'fleet-operator' });
  const client = { ca: join(dir, 'ca.pem'), cert: join(dir, 'client.pem'), key: join(dir, 'client.key') };
  await writeFile(client.ca, ca.certPem);
  await writeFile(client.cert, clientCertificate.certPem);
  await writeFile(client.key, clientCertificate.keyPem, { mode: 0o600 });

  const first = options.firstOctet ?? 11;
  const addresses = Array.from({ length: options.hosts }, (_, index) => `127.0.0.${first + index}`);
  const port = await freePort(addresses[0]);
  const hosts: FleetHost<S>[] = [];
  const stopAll = async () => {
    await Promise.all(hosts.map((host) => host.process.stop('SIGTERM')));
    for (const host of hosts) host.sandbox.dispose();
    removeSandboxDir(dir);
  };
  try {
    const started = await Promise.allSettled(
      addresses.map(async (address) => {
        const sandbox = await createSandbox();
        try {
          const agentDir = join(sandbox.dir, 'agent');
          await mkdir(agentDir, { recursive: true });
          await writeServerFiles(agentDir, ca, await ca.issueServer({ hosts: [address, 'localhost'] }));
          const { configPath } = await writeAgentConfig(agentDir, {
            port,
            bindAddress: address,
            // The client connects from the loopback network's primary address.
            allowed: ['127.0.0.0/8'],
            config: {
              backend: { name: backend, root: sandbox.root },
              audit: { sinks: ['file'], retention_days: 30 },
              jobs: { max_concurrent: 5, timeout_seconds: 600, max_queued: 100, retention_seconds: 86400, lock_wait_seconds: 60 },
            },
          });
          const process = await spawnAgentProcess({ configPath, timeoutMs: 60_000 });
          const host = { name: `host${address.split('.')[3]}`, address, url: `https://${address}:${port}`, sandbox, process };
          hosts.push(host);
          return host;
        } catch (error) {
          sandbox.dispose();
          throw error;
        }
      }),
    );
    const failure = started.find((outcome) => outcome.status === 'rejected');
    if (failure) throw (failure as PromiseRejectedResult).reason;
  } catch (error) {
    await stopAll();
    throw error;
  }
  hosts.sort((a, b) => a.address.localeCompare(b.address, 'en', { numeric: true }));
  return { dir, port, hosts, client, stop: stopAll };
}
