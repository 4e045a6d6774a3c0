import { join } from 'node:path';
import type { CommandResult, CommandRunner, OperationContext } from '@linux-patch-api/core';
import { LpaError } from '@linux-patch-api/core';
import { isOstreeFetchError } from './fetch-errors.js';

export const OSTREE = '/usr/bin/ostree';
/** Reads (status, rev-parse, show, cat) are quick; a stuck one must not hold a request for long. */
const READ_TIMEOUT_MS = 60_000;

function outputOf(result: CommandResult): string {
  return `${result.stdout}${result.stderr}`.trim();
}

/**
 * The `ostree` command line on one sysroot. Every value is passed glued to its option
 * (`--sysroot=…`, `--repo=…`) or after the options, so nothing a client sends can become an option.
 */
export class OstreeCli {
  constructor(
    private readonly runner: CommandRunner,
    /** The sysroot: `/` on a booted host, `backend.root` otherwise. */
    readonly sysroot: string,
  ) {}

  /** The system repository inside the sysroot. */
  get repo(): string {
    return join(this.sysroot, 'ostree/repo');
  }

  /** `ostree admin SUBCOMMAND --sysroot=… ARGS`. */
  adminArgs(subcommand: string, args: readonly string[]): string[] {
    return ['admin', subcommand, `--sysroot=${this.sysroot}`, ...args];
  }

  /** `ostree SUBCOMMAND --repo=… ARGS`. */
  repoArgs(subcommand: string, args: readonly string[]): string[] {
    return [subcommand, `--repo=${this.repo}`, ...args];
  }

  /** Runs a read; resolves with the result whatever the exit code. */
  run(args: readonly string[], signal?: AbortSignal): Promise<CommandResult> {
    return this.runner.run({ file: OSTREE, args, timeoutMs: READ_TIMEOUT_MS, ...(signal ? { signal } : {}) });
  }

  /** Runs a read that must succeed; its stdout. */
  async read(args: readonly string[], signal?: AbortSignal): Promise<string> {
    const result = await this.run(args, signal);
    if (result.exitCode !== 0) throw this.failure(args, result);
    return result.stdout;
  }

  /** Runs a change with the job's signal, timeout and log; its combined output. */
  async change(args: readonly string[], ctx: OperationContext): Promise<string> {
    const result = await this.runner.run({
      file: OSTREE,
      args,
      signal: ctx.signal,
      timeoutMs: ctx.timeoutMs,
      onLine: (line) => ctx.onLog(line),
    });
    if (result.exitCode !== 0) throw this.failure(args, result);
    return outputOf(result);
  }

  failure(args: readonly string[], result: CommandResult): LpaError {
    const output = outputOf(result);
    const command = `ostree ${args.slice(0, 2).join(' ')}`;
    const reason = result.timedOut
      ? 'timed out'
      : result.aborted
        ? 'was stopped'
        : `exited with ${result.exitCode ?? result.signal}`;
    return new LpaError(
      isOstreeFetchError(output) ? 'LPA_ERR_FETCH' : 'LPA_ERR_BACKEND',
      `${command} ${reason}: ${output.split('\n').slice(-3).join(' ').slice(0, 500)}`,
      { details: { output: output.slice(-4000) } },
    );
  }
}
