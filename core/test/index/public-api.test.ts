import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as core from '@linux-patch-api/core';
import * as testing from '@linux-patch-api/core/testing';
import ts from 'typescript';

/**
 * The public plugin API, reviewed like an API: a name added to or removed from core/src/index.ts
 * must be added to or removed from these lists on purpose.
 */
const RUNTIME_EXPORTS = [
  // The audit file's hash chain and names: shared by the audit-file plugin and the core's verifier.
  'AUDIT_SEAL_FILE',
  'CHAIN_SEALING_EVENTS',
  'chainAuditLine',
  'CURRENT_AUDIT_FILE',
  'hashAuditLine',
  // One severity scale for advisories across distributions (GET /patches).
  'higherSeverity',
  'normalizeSeverity',
  // Operator-synced advisory feed files, parsed once per file state (the apt, pacman and apk feeds).
  'AdvisoryFeedFile',
  'parseRotatedAuditFileName',
  'rotatedAuditFileName',
  'CORE_VERSION',
  // Plugin API 1.1: what a 1.0 backend is assumed to support, and the index fingerprint helper.
  'DEFAULT_BACKEND_CAPABILITIES',
  'fingerprintFiles',
  'definePlugin',
  // Measured changes between two package sets: the job manager's own diff, for backends that plan by comparing sets (OSTree commits).
  'diffInstalled',
  'ERROR_CODES',
  'findLockHolderPid',
  'isLpaError',
  'LpaError',
  'parseOsRelease',
  'PLUGIN_API_VERSION',
  // The core's reboot-rule matcher, so a backend's tests check its rule table the way the core reads it.
  'rebootRuleFor',
  'TERMINAL_JOB_STATUSES',
];

const TYPE_EXPORTS = [
  'AffectedProcess',
  'AgentHooks',
  'ApiErrorCode',
  'AuditChainSeal',
  'AuditEventName',
  'AuditRecord',
  'AuditSink',
  'AuditSinkContext',
  'AuditSinkDefinition',
  'AuditWriteOptions',
  'AuditWriteResult',
  'Advisory',
  'AdvisoryFeeds',
  'AdvisorySeverity',
  'AdvisoryType',
  'BackendCapabilities',
  'BackendContext',
  'BackendDefinition',
  'BackendInfo',
  'CacheRefreshOutcome',
  'ChangeAction',
  'Classification',
  'ClientIdentity',
  'CommandResult',
  'CommandRunner',
  'CommandSpec',
  'HeldBackReason',
  'Deployment',
  'DeploymentManager',
  'DeploymentPlan',
  'DeploymentState',
  'HeldBack',
  'InstalledPackage',
  'Job',
  'JobError',
  'JobStatus',
  'JobType',
  'JobUpdateKind',
  'LockHolder',
  'LockWait',
  'LogFn',
  'Logger',
  'LpaErrorCode',
  'LpaErrorOptions',
  'ObtainedPackageFile',
  'OperationContext',
  'OperationOutput',
  'OsRelease',
  'PackageChange',
  'PackageDetails',
  'PackageManagerBackend',
  'PackageSpec',
  'PlannedChange',
  'Plugin',
  'PluginHooks',
  'PluginHost',
  'RebootFlag',
  'RebootReason',
  'RebootRule',
  'RepairOutcome',
  'RestartForecast',
  'RestartForecasting',
  'RollbackFiles',
  'RollbackPlan',
  'RollbackSource',
  'Upgrade',
  'UpgradeSelection',
  'Veto',
];

const TESTING_RUNTIME_EXPORTS = [
  'auditSinkChecks',
  'backendChecks',
  'createMemoryLogger',
  'createOperationContext',
  'createProcessRunner',
  'describeInput',
  'HOSTILE_PACKAGE_NAMES',
  'HOSTILE_VERSIONS',
  'RecordingRunner',
  'runChecks',
  'silentLogger',
  'TranscriptRunner',
  'verifyAuditSink',
  'verifyBackend',
];

const sorted = (names: Iterable<string>) => [...names].sort();

/** Every name core/src/index.ts exports, types included, as the compiler sees them. */
function compiledExports(): string[] {
  const index = fileURLToPath(new URL('../../src/index.ts', import.meta.url));
  const program = ts.createProgram([index], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(index);
  assert.ok(source, 'core/src/index.ts not found');
  const moduleSymbol = checker.getSymbolAtLocation(source);
  assert.ok(moduleSymbol);
  return checker.getExportsOfModule(moduleSymbol).map((symbol) => symbol.getName());
}

describe('public plugin API (@linux-patch-api/core)', () => {
  it('exports exactly the reviewed runtime values', () => {
    assert.deepEqual(sorted(Object.keys(core)), sorted(RUNTIME_EXPORTS));
  });

  it('exports exactly the reviewed names, types included', () => {
    assert.deepEqual(sorted(compiledExports()), sorted([...RUNTIME_EXPORTS, ...TYPE_EXPORTS]));
  });

  it('the testing entry exports exactly the conformance kit and its helpers', () => {
    assert.deepEqual(sorted(Object.keys(testing)), sorted(TESTING_RUNTIME_EXPORTS));
  });
});
