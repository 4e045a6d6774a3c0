import type { OperationContext } from '../contracts/backend.js';

/** An OperationContext for tests that keeps what the backend reported. */
export interface RecordedOperationContext extends OperationContext {
  readonly progress: number[];
  readonly log: string[];
  readonly controller: AbortController;
}

export function createOperationContext(overrides: Partial<OperationContext> = {}): RecordedOperationContext {
  const controller = new AbortController();
  const progress: number[] = [];
  const log: string[] = [];
  return {
    signal: overrides.signal ?? controller.signal,
    onProgress: overrides.onProgress ?? ((percent: number) => progress.push(percent)),
    onLog: overrides.onLog ?? ((line: string) => log.push(line)),
    lockWaitSeconds: overrides.lockWaitSeconds ?? 5,
    timeoutMs: overrides.timeoutMs ?? 120_000,
    progress,
    log,
    controller,
  };
}
