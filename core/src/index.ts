/**
 * The public plugin API of linux-patch-api. Everything a plugin or a third-party backend needs is
 * exported here, and nothing else.
 */

export { higherSeverity, normalizeSeverity } from './advisories/advisory.js';
export { AdvisoryFeedFile } from './advisories/feed-file.js';
export {
  AUDIT_SEAL_FILE,
  type AuditChainSeal,
  CHAIN_SEALING_EVENTS,
  CURRENT_AUDIT_FILE,
  parseRotatedAuditFileName,
  rotatedAuditFileName,
} from './audit/file-names.js';
export { chainAuditLine, hashAuditLine } from './audit/hash-chain.js';
export type {
  AuditEventName,
  AuditRecord,
  AuditSink,
  AuditSinkContext,
  AuditSinkDefinition,
  AuditWriteOptions,
  AuditWriteResult,
  ClientIdentity,
} from './contracts/audit.js';
export type {
  Advisory,
  AdvisoryFeeds,
  AdvisorySeverity,
  AdvisoryType,
  BackendContext,
  BackendDefinition,
  BackendInfo,
  Classification,
  HeldBack,
  InstalledPackage,
  LockHolder,
  ObtainedPackageFile,
  OperationContext,
  OperationOutput,
  PackageDetails,
  PackageManagerBackend,
  PackageSpec,
  RepairOutcome,
  RollbackFiles,
  RollbackPlan,
  Upgrade,
  UpgradeSelection,
} from './contracts/backend.js';
export type { BackendCapabilities, HeldBackReason, RollbackSource } from './contracts/capabilities.js';
export { DEFAULT_BACKEND_CAPABILITIES } from './contracts/capabilities.js';
export type { CommandResult, CommandRunner, CommandSpec } from './contracts/command-runner.js';
export type { Deployment, DeploymentManager, DeploymentPlan, DeploymentState } from './contracts/deployments.js';
export type {
  AffectedProcess,
  RebootFlag,
  RebootReason,
  RebootRule,
  RestartForecast,
  RestartForecasting,
} from './contracts/forecast.js';
export type {
  ChangeAction,
  Job,
  JobError,
  JobStatus,
  JobType,
  JobUpdateKind,
  LockWait,
  PackageChange,
  PlannedChange,
} from './contracts/job.js';
export { TERMINAL_JOB_STATUSES } from './contracts/job.js';
export type { LogFn, Logger } from './contracts/logger.js';
export type { OsRelease } from './contracts/os-release.js';
export type { Plugin, PluginHost } from './contracts/plugin.js';
export { definePlugin } from './contracts/plugin.js';
export type { ApiErrorCode, LpaErrorCode, LpaErrorOptions } from './errors.js';
export { ERROR_CODES, isLpaError, LpaError } from './errors.js';
export { rebootRuleFor } from './forecast/reboot-rules.js';
export type { AgentHooks, CacheRefreshOutcome, PluginHooks, Veto } from './hooks.js';
export { diffInstalled } from './jobs/changes.js';
export { fingerprintFiles } from './plans/file-digest.js';
export { parseOsRelease } from './system/os-release.js';
export { findLockHolderPid } from './system/proc-locks.js';
export { CORE_VERSION, PLUGIN_API_VERSION } from './version.js';
