import { readFile, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommandRunner, Deployment, DeploymentState, InstalledPackage } from '@linux-patch-api/core';
import { LpaError } from '@linux-patch-api/core';
import { parseAdminStatus, type StatusEntry } from './admin-status.js';
import { type CommitInfo, parseCommitShow } from './commit-show.js';
import type { OstreeCli } from './ostree-cli.js';
import { type PackageSet, readCommitPackages, readTreePackages } from './package-database.js';

/** A deployment with what the backend needs besides the API fields. */
export interface SysrootDeployment extends Deployment {
  serial: number;
  /** The checked-out tree, as seen from the host. */
  directory: string;
}

/** The state every read and plan starts from: the deployments in boot order. */
export interface SysrootState {
  deployments: SysrootDeployment[];
  /** The default for the next boot (index 0), or null on a sysroot without deployments. */
  default: SysrootDeployment | null;
}

/** The `ostree=` kernel argument of a command line. */
function ostreeKarg(cmdline: string): string | null {
  for (const arg of cmdline.trim().split(/\s+/)) if (arg.startsWith('ostree=')) return arg.slice('ostree='.length);
  return null;
}

export function stateOf(deployment: Pick<Deployment, 'checksum' | 'version' | 'origin'>): DeploymentState {
  return { checksum: deployment.checksum, version: deployment.version, origin: deployment.origin };
}

/**
 * Reads an OSTree sysroot: deployments (`ostree admin status`), commit headers, and package
 * databases of deployments and of commits. On a booted host (`root` null) ostree itself says which
 * deployment is booted. With `backend.root` nothing is booted from it; the deployment that the
 * root's `proc/cmdline` names with `ostree=` (as a boot loader would pass it) counts as booted, so a
 * sandbox or an image build can say which deployment it stands for.
 */
export class Sysroot {
  /** Commit headers never change: cached by checksum. */
  readonly #commits = new Map<string, CommitInfo>();

  constructor(
    readonly cli: OstreeCli,
    private readonly runner: CommandRunner,
    private readonly root: string | null,
    /** Where commit databases are checked out for reading (inside the agent's state directory). */
    private readonly scratch: string,
  ) {}

  deploymentDirectory(entry: Pick<StatusEntry, 'osname' | 'checksum' | 'serial'>): string {
    return join(this.cli.sysroot, 'ostree/deploy', entry.osname, 'deploy', `${entry.checksum}.${entry.serial}`);
  }

  async state(signal?: AbortSignal): Promise<SysrootState> {
    const entries = parseAdminStatus(await this.cli.read(this.cli.adminArgs('status', []), signal));
    const bootedDirectory = this.root === null ? null : await this.#bootedDirectoryInRoot();
    const deployments: SysrootDeployment[] = [];
    for (const [index, entry] of entries.entries()) {
      const directory = this.deploymentDirectory(entry);
      const booted =
        this.root === null
          ? entry.booted
          : bootedDirectory !== null && (await realpath(directory).catch(() => '')) === bootedDirectory;
      const commit = await this.commit(entry.checksum, signal).catch(() => null);
      deployments.push({
        index,
        osname: entry.osname,
        checksum: entry.checksum,
        serial: entry.serial,
        version: entry.version ?? commit?.version ?? null,
        origin: entry.origin,
        booted,
        staged: entry.mark === 'staged',
        pending: false,
        pinned: entry.pinned,
        timestamp: commit?.timestamp ?? null,
        directory,
      });
    }
    // Pending: the next boot's default while another deployment runs (ostree marks staged ones itself).
    const someBooted = deployments.some((deployment) => deployment.booted);
    for (const deployment of deployments) {
      deployment.pending = deployment.staged || (deployment.index === 0 && someBooted && !deployment.booted);
    }
    return { deployments, default: deployments[0] ?? null };
  }

  async #bootedDirectoryInRoot(): Promise<string | null> {
    const cmdline = await readFile(join(this.cli.sysroot, 'proc/cmdline'), 'utf8').catch(() => null);
    const karg = cmdline === null ? null : ostreeKarg(cmdline);
    if (karg === null) return null;
    return realpath(join(this.cli.sysroot, karg)).catch(() => null);
  }

  /** The commit header of `rev` (a checksum or a refspec) in the system repository. */
  async commit(rev: string, signal?: AbortSignal): Promise<CommitInfo> {
    const cached = this.#commits.get(rev);
    if (cached) return cached;
    const info = parseCommitShow(await this.cli.read(this.cli.repoArgs('show', [rev]), signal));
    if (info === null) throw new LpaError('LPA_ERR_BACKEND', `ostree show ${rev} printed no commit header`);
    if (/^[0-9a-f]{64}$/.test(rev)) this.#commits.set(rev, info);
    return info;
  }

  /** The checksum the local copy of `refspec` points at, or null when the repository has no such ref. */
  async resolve(refspec: string, signal?: AbortSignal): Promise<string | null> {
    const result = await this.cli.run(this.cli.repoArgs('rev-parse', [refspec]), signal);
    const checksum = result.stdout.trim();
    return result.exitCode === 0 && /^[0-9a-f]{64}$/.test(checksum) ? checksum : null;
  }

  deploymentPackages(deployment: SysrootDeployment, signal?: AbortSignal): Promise<PackageSet | null> {
    return readTreePackages(this.runner, deployment.directory, this.scratch, signal);
  }

  commitPackages(checksum: string, signal?: AbortSignal): Promise<PackageSet | null> {
    return readCommitPackages(this.cli, this.runner, checksum, this.scratch, signal);
  }

  /** The image as one inventory entry, named for the osname, at its version (else its checksum). */
  static imageEntry(osname: string, state: DeploymentState): InstalledPackage {
    return {
      name: osname,
      version: state.version ?? state.checksum,
      architecture: null,
      status: 'installed',
      description: `OSTree commit ${state.checksum}`,
      installed_size: null,
    };
  }
}
