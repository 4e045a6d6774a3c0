import type { PackageManagerBackend } from '../contracts/backend.js';
import { capabilitiesOf } from '../contracts/capabilities.js';
import { LpaError } from '../errors.js';
import { isDryRun, type JobRequest, pinnedSpecsOf, selectedNamesOf } from './job-request.js';

function notSupported(feature: string, message: string, details: Record<string, unknown> = {}): LpaError {
  return new LpaError('LPA_ERR_NOT_SUPPORTED', message, { details: { feature, ...details } });
}

/**
 * What the request alone shows cannot be done, answered before a job exists (so before any process
 * starts): a feature the backend declares unsupported is 409 NOT_SUPPORTED (SPEC §12.1), updating
 * or removing a package that is not installed is 404.
 */
export async function preflight(backend: PackageManagerBackend, request: JobRequest): Promise<void> {
  const { operations } = capabilitiesOf(backend);
  switch (request.type) {
    case 'package_install': {
      if (isDryRun(request) && !operations.install.dry_run)
        throw notSupported('install.dry_run', 'this backend cannot plan an install');
      if (!operations.install.version_pin && request.packages.some((spec) => spec.version !== undefined)) {
        throw notSupported('install.version_pin', 'this backend cannot install a given version');
      }
      return;
    }
    case 'package_update': {
      if (isDryRun(request) && !operations.update.dry_run)
        throw notSupported('update.dry_run', 'this backend cannot plan an update');
      const installed = await backend.getPackage(request.name);
      if (installed === null) throw new LpaError('LPA_ERR_NOT_FOUND', `package ${request.name} is not installed`);
      if (
        request.version !== undefined &&
        !operations.update.downgrade &&
        backend.compareVersions(request.version, installed.version) < 0
      ) {
        throw notSupported('update.downgrade', `this backend cannot downgrade ${request.name} from ${installed.version}`);
      }
      return;
    }
    case 'package_remove': {
      if (isDryRun(request) && !operations.remove.dry_run)
        throw notSupported('remove.dry_run', 'this backend cannot plan a removal');
      if ((await backend.getPackage(request.name)) === null) {
        throw new LpaError('LPA_ERR_NOT_FOUND', `package ${request.name} is not installed`);
      }
      return;
    }
    case 'patch_apply': {
      const apply = operations.patch_apply;
      if (request.dry_run && !apply.dry_run) throw notSupported('patch_apply.dry_run', 'this backend cannot plan a patch apply');
      if (request.security_only && !apply.security_only) {
        throw notSupported(
          'patch_apply.security_only',
          'this distribution publishes no security classification of updates; apply all updates instead',
        );
      }
      if (pinnedSpecsOf(request) !== null && (!apply.pinned_versions || backend.findUnavailableVersions === undefined)) {
        throw notSupported('patch_apply.pinned_versions', 'this backend cannot bring packages to given versions');
      }
      const names = selectedNamesOf(request);
      if (names !== null && !apply.selected) {
        // A list that names every upgradable package is the whole upgrade, which is supported.
        const requested = new Set(names);
        const leftBehind = (await backend.listUpgrades()).map((upgrade) => upgrade.name).filter((name) => !requested.has(name));
        if (leftBehind.length > 0) {
          throw notSupported(
            'patch_apply.selected',
            `this package manager applies updates only all together; the list leaves ${leftBehind.join(', ')} behind`,
            { left_behind: leftBehind },
          );
        }
      }
      return;
    }
  }
}
