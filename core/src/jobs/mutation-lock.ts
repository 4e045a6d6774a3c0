/**
 * Serializes everything that runs the package manager against its database (mutations, cache
 * refreshes, repair): one package-manager process at a time, first come first served. Reads do
 * not take it, so they never wait behind a long job.
 */
export class MutationLock {
  #tail: Promise<void> = Promise.resolve();
  #held = false;

  get held(): boolean {
    return this.#held;
  }

  /**
   * Runs `task` once every earlier task has finished. When `signal` aborts while still waiting,
   * the task never runs and the promise rejects with the signal's reason.
   */
  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const previous = this.#tail;
    let release!: () => void;
    this.#tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const onAbort = () => {
        if (settled) return;
        settled = true;
        reject(signal?.reason);
        // Our turn is still taken in the chain; hand it on as soon as it comes.
        void previous.then(release);
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      void previous.then(async () => {
        signal?.removeEventListener('abort', onAbort);
        if (settled) return;
        settled = true;
        this.#held = true;
        try {
          resolve(await task());
        } catch (error) {
          reject(error);
        } finally {
          this.#held = false;
          release();
        }
      });
    });
  }
}
