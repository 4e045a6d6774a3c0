import { AsyncLocalStorage } from 'node:async_hooks';
import type { CommandResult, CommandRunner, CommandSpec } from '../contracts/command-runner.js';

/** A process started on behalf of a job: the runner starts each one as the leader of its own group. */
export interface SpawnedProcess {
  pid: number;
  /** The program that was started (absolute path). */
  file: string;
}

type SpawnListener = (process: SpawnedProcess) => void;

/**
 * Tells the job manager which processes a job's backend call started, without the backends having
 * to pass anything on: the runner the plugins get reports each spawn to the listener of the async
 * context it was called in (`within`). The job file then records the package manager's pid and
 * process group before its work can be lost with the agent.
 */
export class SpawnAttribution {
  readonly #listeners = new AsyncLocalStorage<SpawnListener>();

  /** Runs `task`; every process a runner of this attribution starts inside it is reported to `listener`. */
  within<T>(listener: SpawnListener, task: () => Promise<T>): Promise<T> {
    return this.#listeners.run(listener, task);
  }

  /** `inner` with spawns reported to the listener of the caller's context. */
  wrap(inner: CommandRunner): CommandRunner {
    const listeners = this.#listeners;
    return {
      run(spec: CommandSpec): Promise<CommandResult> {
        const listener = listeners.getStore();
        if (listener === undefined) return inner.run(spec);
        return inner.run({
          ...spec,
          onSpawn: (pid) => {
            spec.onSpawn?.(pid);
            listener({ pid, file: spec.file });
          },
        });
      },
    };
  }
}
