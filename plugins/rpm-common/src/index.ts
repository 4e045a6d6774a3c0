/**
 * rpm logic shared by the dnf and yum backends. Not a plugin: each backend package depends on it
 * and its native package bundles it, so either backend ships on its own.
 */
export { isRpmFetchError } from './fetch-errors.js';
export type { HistoryRow } from './history.js';
export { parseHistoryList } from './history.js';
export { findRpmLockHolder, isLockMessage, lockPathFromOutput, lockPidFromOutput, RPM_LOCK_FILES } from './lock-files.js';
export type { Nevra } from './nevra.js';
export { parseNevra, splitNameArch } from './nevra.js';
export type { ListedPackage } from './package-list.js';
export { parsePackageList } from './package-list.js';
export { bootTime, configuredRebootPackages, needsReboot, REBOOT_PACKAGES } from './reboot-required.js';
export type { RpmBackendOptions } from './rpm-backend.js';
export { RpmBackend } from './rpm-backend.js';
export type { RpmDatabaseOptions, RpmPackage } from './rpm-database.js';
export { parseRpmQuery, RPM_QUERY_FORMAT, RpmDatabase } from './rpm-database.js';
export { NAME_PATTERN as RPM_NAME_PATTERN, pinnedSpec, validateRpmName, validateRpmVersion } from './rpm-names.js';
export { RPM_REBOOT_RULES, RpmRestartForecast } from './rpm-restart-forecast.js';
export type { RpmFileHeader, RpmRollbackFilesOptions } from './rpm-rollback-files.js';
export { RpmRollbackFiles } from './rpm-rollback-files.js';
export type { RpmTool } from './rpm-tool.js';
export { DNF_TOOL, YUM_TOOL } from './rpm-tool.js';
export type { Evr } from './rpm-version.js';
export { compareEvr, compareRequested, formatEvr, parseEvr, rpmvercmp } from './rpm-version.js';
export { parseTransactionPlan } from './transaction-plan.js';
export { transactionProgress } from './transaction-progress.js';
export type { AdvisoryRow } from './updateinfo.js';
export { parseUpdateinfoList } from './updateinfo.js';
