import type { AuditTrail } from './trail.js';

/** How often the chain head is sealed while the agent runs (`agent_stop` seals it at the end). */
export const CHAIN_CHECKPOINT_INTERVAL_MS = 5 * 60 * 1000;

/**
 * Records a `chain_checkpoint` every `everyMs`: the file sink fills in the head hash and record
 * count of its chain and names the line in audit.seal, so `audit verify` can tell when lines after
 * it were cut off (it skips a checkpoint when nothing was written since the last seal). Returns
 * the function that stops the timer.
 */
export function startChainCheckpoints(audit: () => AuditTrail, everyMs = CHAIN_CHECKPOINT_INTERVAL_MS): () => void {
  const timer = setInterval(() => audit().record('chain_checkpoint', {}), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
