/** `  Installing       : name-1.0-1.noarch      3/7` (dnf 4 and yum 3 alike). */
const STEP = /^\s+([A-Za-z][A-Za-z ]*?)\s*:\s+\S.*?\s(\d+)\/(\d+)\s*$/;

/**
 * Turns the per-package step lines of a running transaction into a percentage: the package
 * steps fill 0–80, verification 80–100. Lines that are not steps give null.
 */
export function transactionProgress(line: string): { percent: number; message: string } | null {
  const match = STEP.exec(line);
  if (!match) return null;
  const [, phase = '', doneText = '0', totalText = '0'] = match;
  const done = Number(doneText);
  const total = Number(totalText);
  if (total <= 0 || done > total || phase === 'Preparing' || phase.startsWith('Running scriptlet')) return null;
  const share = done / total;
  const percent = phase === 'Verifying' ? 80 + 20 * share : 80 * share;
  return { percent: Math.round(percent), message: line.trim().replace(/\s+/g, ' ') };
}
