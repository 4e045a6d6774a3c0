import type { CommandResult, CommandRunner, CommandSpec } from '../contracts/command-runner.js';
import { LpaError } from '../errors.js';

/** What a RecordingRunner keeps of one invocation (the callbacks and the signal are dropped). */
export interface RecordedInvocation {
  file: string;
  args: string[];
  env: Record<string, string> | undefined;
  cwd: string | undefined;
  input: string | undefined;
}

/**
 * Records every command a backend asks for, then hands it to a delegate (the real ProcessRunner,
 * a TranscriptRunner, …). Without a delegate every run() rejects: use that to prove that a code
 * path starts no process at all (`invocations.length === 0`).
 */
export class RecordingRunner implements CommandRunner {
  readonly invocations: RecordedInvocation[] = [];
  readonly #delegate: CommandRunner | undefined;

  constructor(delegate?: CommandRunner) {
    this.#delegate = delegate;
  }

  run(spec: CommandSpec): Promise<CommandResult> {
    this.invocations.push({
      file: spec.file,
      args: [...spec.args],
      env: spec.env === undefined ? undefined : { ...spec.env },
      cwd: spec.cwd,
      input: spec.input,
    });
    if (!this.#delegate) {
      return Promise.reject(
        new LpaError('LPA_ERR_BACKEND', `RecordingRunner has no delegate; refused to run ${spec.file}`, {
          details: { argv: [spec.file, ...spec.args] },
        }),
      );
    }
    return this.#delegate.run(spec);
  }

  /** The argv ([file, ...args]) of every invocation so far. */
  get argvs(): string[][] {
    return this.invocations.map((invocation) => [invocation.file, ...invocation.args]);
  }

  clear(): void {
    this.invocations.length = 0;
  }
}
