/**
 * `@linux-patch-api/core/testing`: the conformance kits every backend and audit sink runs (ours and
 * third parties'), and the runners their tests need. Not part of the runtime plugin API.
 */
import type { CommandRunner } from '../contracts/command-runner.js';
import { ProcessRunner } from '../runner/process-runner.js';

export type { CheckResult, ConformanceCheck } from './checks.js';
export { runChecks } from './checks.js';
export { describeInput, HOSTILE_PACKAGE_NAMES, HOSTILE_VERSIONS } from './hostile-input.js';
export type { LogEntry, LogLevel, MemoryLogger } from './memory-logger.js';
export { createMemoryLogger } from './memory-logger.js';
export type { RecordedOperationContext } from './operation-context.js';
export { createOperationContext } from './operation-context.js';
export type { RecordedInvocation } from './recording-runner.js';
export { RecordingRunner } from './recording-runner.js';
export { silentLogger } from './silent-logger.js';
export type { TranscriptEntry } from './transcript-runner.js';
export { TranscriptRunner } from './transcript-runner.js';
export type { VerifyAuditSinkOptions } from './verify-audit-sink.js';
export { auditSinkChecks, verifyAuditSink } from './verify-audit-sink.js';
export type { VerifyBackendOptions } from './verify-backend.js';
export { backendChecks, verifyBackend } from './verify-backend.js';

/** The real runner the agent uses (execa, own process group, scrubbed environment). */
export function createProcessRunner(): CommandRunner {
  return new ProcessRunner();
}
