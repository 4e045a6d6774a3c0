import type { CommandRunner } from '@linux-patch-api/core';
import { LpaError } from '@linux-patch-api/core';

const APT_MARK = '/usr/bin/apt-mark';
const TIMEOUT_MS = 120_000;

/**
 * apt's "automatically installed" marks (extended_states), read and written with apt-mark under
 * the same APT_CONFIG as apt-get, so a root's own state is used. apt-get install marks every
 * package it is given by name as manually installed, including one it only upgrades; a plan run as
 * pins names its dependencies too, and puts their marks back with these.
 */
export class AutoMarks {
  constructor(
    private readonly runner: CommandRunner,
    private readonly env: Record<string, string>,
  ) {}

  /**
   * The names apt marks as automatically installed (`apt-mark showauto`), as apt prints them: native
   * packages by name, a foreign architecture's as `name:arch`, which is how apt-get names them too.
   */
  async read(signal?: AbortSignal): Promise<Set<string>> {
    const result = await this.runner.run({
      file: APT_MARK,
      args: ['showauto'],
      env: this.env,
      timeoutMs: TIMEOUT_MS,
      ...(signal === undefined ? {} : { signal }),
    });
    if (result.exitCode !== 0) {
      throw new LpaError('LPA_ERR_BACKEND', `apt-mark showauto failed: ${(result.stderr || result.stdout).trim()}`);
    }
    return new Set(
      result.stdout
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== ''),
    );
  }

  /** `apt-mark auto -- names` (names already validated); the lock wait is apt's own. */
  async markAuto(names: readonly string[], lockWaitSeconds: number, signal: AbortSignal): Promise<void> {
    if (names.length === 0) return;
    const result = await this.runner.run({
      file: APT_MARK,
      args: ['-o', `DPkg::Lock::Timeout=${lockWaitSeconds}`, 'auto', '--', ...names],
      env: this.env,
      timeoutMs: TIMEOUT_MS,
      signal,
    });
    if (result.exitCode !== 0) {
      throw new LpaError('LPA_ERR_BACKEND', `apt-mark auto failed: ${(result.stderr || result.stdout).trim()}`, {
        details: { names: [...names] },
      });
    }
  }
}
