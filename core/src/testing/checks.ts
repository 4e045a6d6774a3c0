import { describe, it } from 'node:test';

/** One contract check of the conformance kit. */
export interface ConformanceCheck<Subject> {
  /** Stable, human-readable; tests of the kit refer to checks by name. */
  name: string;
  run(subject: Subject): Promise<void>;
}

export interface CheckResult {
  name: string;
  passed: boolean;
  error: unknown;
}

/** Runs checks one after another against a subject, collecting every outcome (nothing is thrown). */
export async function runChecks<Subject>(checks: readonly ConformanceCheck<Subject>[], subject: Subject): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const check of checks) {
    try {
      await check.run(subject);
      results.push({ name: check.name, passed: true, error: undefined });
    } catch (error) {
      results.push({ name: check.name, passed: false, error });
    }
  }
  return results;
}

/**
 * Registers one node:test suite with a test per check. The subject is created once, lazily, by the
 * first check; checks run in order (the suite is not concurrent) because some of them mutate.
 */
export function registerChecks<Subject>(
  title: string,
  checks: readonly ConformanceCheck<Subject>[],
  createSubject: () => Subject | Promise<Subject>,
  dispose?: (subject: Subject) => void | Promise<void>,
): void {
  describe(title, { concurrency: false }, () => {
    let subject: Promise<Subject> | undefined;
    const getSubject = () => {
      subject ??= Promise.resolve().then(createSubject);
      return subject;
    };
    for (const check of checks) {
      it(check.name, async () => check.run(await getSubject()));
    }
    if (dispose) {
      it('dispose', async () => {
        if (subject) await dispose(await subject);
      });
    }
  });
}
