/** One fault drill: it provokes a fault against a real agent and says what, if anything, was lost. */
export interface DrillOutcome {
  /** `handled` (optionally followed by figures) when the agent held, otherwise what went wrong. */
  result: string;
  /** What was lost (audit records, job records, service time…); `nothing` when nothing was. */
  lost: string;
}

export interface Drill {
  name: string;
  run(): Promise<DrillOutcome>;
}
