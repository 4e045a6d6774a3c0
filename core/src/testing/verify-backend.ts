import assert from 'node:assert/strict';
import type { InstalledPackage, PackageManagerBackend, PackageSpec } from '../contracts/backend.js';
import { capabilitiesOf } from '../contracts/capabilities.js';
import { isLpaError } from '../errors.js';
import { BACKEND_METHODS } from '../loader/plugin-shape.js';
import { type ConformanceCheck, registerChecks } from './checks.js';
import { describeInput, HOSTILE_PACKAGE_NAMES, HOSTILE_VERSIONS, NAME_GRAMMAR_PROBES } from './hostile-input.js';
import { createOperationContext } from './operation-context.js';
import { installedPackageProblems, packageDetailsProblems, plannedChangeProblems, upgradeProblems } from './record-shapes.js';

export interface VerifyBackendOptions {
  /** Suite title (default `backend conformance`). */
  title?: string;
  /**
   * Creates the backend under test, operating on a prepared root (a sandbox root with its own
   * package-manager configuration and a local repository). Called once, before the first check.
   */
  createBackend(): PackageManagerBackend | Promise<PackageManagerBackend>;
  /** Runs after the last check (remove the root, …). */
  dispose?(backend: PackageManagerBackend): void | Promise<void>;
  /**
   * The backend's runner when it records invocations (a RecordingRunner, possibly wrapping the real
   * runner): enables the check that refused input starts no process.
   */
  recorder?: { readonly invocations: readonly unknown[] };
  /** Download-failure outputs of the real package manager: isFetchError must be true on each. */
  fetchErrorOutputs: readonly string[];
  /** Outputs of successful runs: isFetchError must be false on each (default: the empty output). */
  cleanOutputs?: readonly string[];
  /** Versions compareVersions must order consistently (default: the installed versions). */
  versionSamples?: readonly string[];
  /** Versions in strictly ascending order by the distro's rules, e.g. `['1.0~rc1', '1.0', '1:0.1']`. */
  ascendingVersions?: readonly string[];
  /** Names the grammar must accept, besides every installed package's name. */
  validNames?: readonly string[];
  /** Versions the grammar must accept, besides every installed version. */
  validVersions?: readonly string[];
  /**
   * Packages the prepared root's repository offers and that are not installed: enables the mutation
   * round trip (install → listed → remove → gone) and the plan checks on them.
   */
  fixtures?: readonly PackageSpec[];
  /**
   * A package the repository offers in two versions, not installed: enables the upgrade round trip
   * (install `from` → listUpgrades/getPackage/planUpgrades show `to` → applyUpgrades → `to` →
   * update back to `from` (a downgrade, as rollback does) → remove).
   */
  upgradeFixture?: { name: string; from: string; to: string };
  /** Refresh the package index once and check lastCacheUpdate afterwards (the root's repository must be reachable). */
  checkRefresh?: boolean;
  /** Check that repair() on the consistent prepared root reports nothing needed and a consistent database. */
  checkRepair?: boolean;
  /** Limit for each mutation (default 120 000 ms). */
  operationTimeoutMs?: number;
  /**
   * Makes another process hold the package-manager lock (as an admin's run would) until release():
   * enables the check that a mutation waits lockWaitSeconds and then fails LOCKED, changing nothing.
   * Needs `fixtures`.
   */
  holdLock?(): Promise<{ release(): Promise<void> }>;
  /**
   * The package manager can tell whether a version is offered only by resolving the change itself,
   * refusing it as a whole before anything changes (apk): findUnavailableVersions then answers no
   * pair and the apply fails VERSION_UNAVAILABLE instead. The kit checks that it answers none and
   * changes nothing, instead of that it names a version nobody offers.
   */
  availabilityDecidedByApply?: boolean;
}

/** A name valid in every distro grammar that no repository ships. */
const UNKNOWN_PACKAGE = 'lpa-conformance-no-such-package';

function installedKey(pkg: InstalledPackage): string {
  return `${pkg.name}\u0000${pkg.architecture ?? ''}`;
}

function snapshot(packages: readonly InstalledPackage[]): string[] {
  return packages.map((pkg) => `${installedKey(pkg)}=${pkg.version}`).sort();
}

function assertNoProblems(problems: readonly string[]): void {
  assert.deepEqual(problems.slice(0, 20), [], `${problems.length} problem(s)`);
}

async function expectValidationError(what: string, action: () => Promise<unknown>): Promise<void> {
  let outcome: unknown;
  try {
    await action();
    outcome = 'it resolved';
  } catch (error) {
    if (isLpaError(error, 'LPA_ERR_VALIDATION')) return;
    outcome = error;
  }
  assert.fail(
    `${what} must reject with LpaError LPA_ERR_VALIDATION; ${outcome instanceof Error ? `${outcome.name}: ${outcome.message}` : String(outcome)}`,
  );
}

function sign(value: number): number {
  return value < 0 ? -1 : value > 0 ? 1 : 0;
}

/** The list of checks verifyBackend registers, for running them another way (see runChecks). */
export function backendChecks(options: VerifyBackendOptions): ConformanceCheck<PackageManagerBackend>[] {
  const timeoutMs = options.operationTimeoutMs ?? 120_000;
  const context = () => createOperationContext({ timeoutMs });
  const fixtures = options.fixtures ?? [];

  const checks: ConformanceCheck<PackageManagerBackend>[] = [
    {
      name: 'every method of the contract is present and info() is well-formed',
      async run(backend) {
        const missing = BACKEND_METHODS.filter((method) => typeof backend[method] !== 'function');
        assert.deepEqual(missing, [], 'methods missing from the backend');
        const info = backend.info();
        assert.equal(typeof info.packageManager, 'string', 'info().packageManager');
        assert.ok(info.packageManager.length > 0, 'info().packageManager is empty');
        assert.ok(info.root === null || typeof info.root === 'string', 'info().root must be a string or null');
      },
    },
    {
      name: 'validateName refuses option-like, path, shell, control-character, empty and overlong names',
      async run(backend) {
        const accepted = HOSTILE_PACKAGE_NAMES.filter((name) => backend.validateName(name) === null).map(describeInput);
        assert.deepEqual(accepted, [], 'hostile names accepted');
        for (const name of HOSTILE_PACKAGE_NAMES) {
          const reason = backend.validateName(name);
          assert.ok(typeof reason === 'string' && reason.length > 0, `the refusal of ${describeInput(name)} needs a reason`);
        }
      },
    },
    {
      name: 'namePattern, when given, accepts exactly what validateName accepts (within 255 characters)',
      async run(backend) {
        const pattern = backend.namePattern;
        if (pattern === undefined) return;
        const samples = [
          ...HOSTILE_PACKAGE_NAMES,
          ...(await backend.listInstalled()).map((pkg) => pkg.name),
          ...(options.validNames ?? []),
          ...fixtures.map((spec) => spec.name),
          ...NAME_GRAMMAR_PROBES,
        ];
        const disagreements = samples
          .filter((name) => (backend.validateName(name) === null) !== (name.length <= 255 && pattern.test(name)))
          .map(describeInput);
        assert.deepEqual(disagreements, [], `validateName and namePattern ${pattern} disagree`);
      },
    },
    {
      name: 'validateName accepts every installed name and the valid samples',
      async run(backend) {
        const names = [
          ...(await backend.listInstalled()).map((pkg) => pkg.name),
          ...(options.validNames ?? []),
          ...fixtures.map((spec) => spec.name),
        ];
        const refused = names.filter((name) => backend.validateName(name) !== null);
        assert.deepEqual(refused, [], 'valid names refused');
      },
    },
    {
      name: 'validateVersion refuses option-like, shell, control-character, empty and overlong versions',
      async run(backend) {
        const accepted = HOSTILE_VERSIONS.filter((version) => backend.validateVersion(version) === null).map(describeInput);
        assert.deepEqual(accepted, [], 'hostile versions accepted');
      },
    },
    {
      name: 'validateVersion accepts every installed version and the valid samples',
      async run(backend) {
        const versions = [
          ...(await backend.listInstalled()).map((pkg) => pkg.version),
          ...(options.validVersions ?? []),
          ...(options.ascendingVersions ?? []),
          ...fixtures.flatMap((spec) => (spec.version === undefined ? [] : [spec.version])),
        ];
        const refused = versions.filter((version) => backend.validateVersion(version) !== null);
        assert.deepEqual(refused, [], 'valid versions refused');
      },
    },
    {
      name: 'mutations refuse hostile input before starting any process',
      async run(backend) {
        const installedBefore = snapshot(await backend.listInstalled());
        const invocationsBefore = options.recorder?.invocations.length ?? 0;
        await expectValidationError('install([{name: "--version"}])', () =>
          Promise.resolve().then(() => backend.install([{ name: '--version' }], context())),
        );
        await expectValidationError('install([{name: "$(touch x)"}])', () =>
          Promise.resolve().then(() => backend.install([{ name: '$(touch x)' }], context())),
        );
        await expectValidationError('install with version "--version"', () =>
          Promise.resolve().then(() => backend.install([{ name: 'lpa-fixture-valid', version: '--version' }], context())),
        );
        await expectValidationError('update("--version")', () =>
          Promise.resolve().then(() => backend.update('--version', undefined, context())),
        );
        await expectValidationError('remove(["-y"])', () => Promise.resolve().then(() => backend.remove(['-y'], context())));
        await expectValidationError('planInstall([{name: "-x"}])', () =>
          Promise.resolve().then(() => backend.planInstall([{ name: '-x' }])),
        );
        await expectValidationError('applyUpgrades({names: ["--all"]})', () =>
          Promise.resolve().then(() => backend.applyUpgrades({ names: ['--all'], securityOnly: false }, context())),
        );
        if (options.recorder) {
          assert.equal(options.recorder.invocations.length, invocationsBefore, 'a process was started for refused input');
        }
        assert.deepEqual(snapshot(await backend.listInstalled()), installedBefore, 'the installed set changed');
      },
    },
    {
      name: 'compareVersions is a consistent total order',
      async run(backend) {
        const sample = [...new Set(options.versionSamples ?? (await backend.listInstalled()).map((pkg) => pkg.version))].slice(
          0,
          24,
        );
        for (const a of sample) {
          const self = backend.compareVersions(a, a);
          assert.ok(Number.isFinite(self), `compareVersions(${a}, ${a}) is not a finite number`);
          assert.equal(sign(self), 0, `compareVersions(${a}, ${a}) must be 0`);
          for (const b of sample) {
            const ab = sign(backend.compareVersions(a, b));
            const ba = sign(backend.compareVersions(b, a));
            assert.equal(ab + ba, 0, `antisymmetry: compare(${a}, ${b}) = ${ab} but compare(${b}, ${a}) = ${ba}`);
            for (const c of sample) {
              if (ab <= 0 && sign(backend.compareVersions(b, c)) <= 0) {
                assert.ok(sign(backend.compareVersions(a, c)) <= 0, `transitivity: ${a} <= ${b} <= ${c} but ${a} > ${c}`);
              }
            }
          }
        }
      },
    },
    {
      name: 'getPackage of an unknown name is null',
      async run(backend) {
        assert.equal(await backend.getPackage(UNKNOWN_PACKAGE), null);
      },
    },
    {
      name: 'listInstalled returns well-formed records, one per name and architecture',
      async run(backend) {
        const packages = await backend.listInstalled();
        assert.ok(Array.isArray(packages), 'listInstalled must resolve to an array');
        assertNoProblems(packages.flatMap((pkg, index) => installedPackageProblems(pkg, `packages[${index}]`)));
        const keys = packages.map(installedKey);
        const duplicates = keys.filter((key, index) => keys.indexOf(key) !== index);
        assert.deepEqual(duplicates, [], 'duplicate (name, architecture) records');
        assert.ok(!packages.some((pkg) => pkg.name === UNKNOWN_PACKAGE));
      },
    },
    {
      name: 'getPackage of an installed package agrees with listInstalled',
      async run(backend) {
        const packages = await backend.listInstalled();
        for (const pkg of packages.slice(0, 3)) {
          const details = await backend.getPackage(pkg.name);
          assert.ok(details !== null, `getPackage(${pkg.name}) is null although listInstalled lists it`);
          assertNoProblems(packageDetailsProblems(details, `getPackage(${pkg.name})`));
          assert.equal(details.name, pkg.name);
          assert.ok(
            packages.some((other) => other.name === pkg.name && other.version === details.version),
            `getPackage(${pkg.name}).version ${details.version} is not an installed version`,
          );
        }
      },
    },
    {
      name: 'listUpgrades returns well-formed records (security is boolean or null)',
      async run(backend) {
        const upgrades = await backend.listUpgrades();
        assert.ok(Array.isArray(upgrades), 'listUpgrades must resolve to an array');
        assertNoProblems(upgrades.flatMap((upgrade, index) => upgradeProblems(upgrade, `upgrades[${index}]`)));
      },
    },
    {
      name: 'planning changes nothing and returns well-formed changes',
      async run(backend) {
        const before = await backend.listInstalled();
        const plans = [];
        // Without package layering the package plans are refused (checked below); only upgrades are planned.
        const layering = backend.deployments?.packageLayering !== false;
        if (layering && fixtures.length > 0) {
          const plan = await backend.planInstall(fixtures);
          for (const spec of fixtures) {
            assert.ok(
              plan.some((change) => change.name === spec.name && change.action === 'installed'),
              `planInstall(${spec.name}) does not plan to install it`,
            );
          }
          plans.push(...plan);
        }
        const victim = before[0];
        if (layering && victim) plans.push(...(await backend.planRemove([victim.name])));
        plans.push(...(await backend.planUpgrades({ names: null, securityOnly: false })));
        assertNoProblems(plans.flatMap((change, index) => plannedChangeProblems(change, `plan[${index}]`)));
        assert.deepEqual(snapshot(await backend.listInstalled()), snapshot(before), 'planning changed the installed set');
      },
    },
    {
      name: 'isFetchError recognises download failures and not clean output',
      async run(backend) {
        assert.ok(options.fetchErrorOutputs.length > 0, 'give the kit at least one real download-failure output');
        for (const output of options.fetchErrorOutputs) {
          assert.equal(backend.isFetchError(output), true, `isFetchError must be true for ${describeInput(output)}`);
        }
        for (const output of options.cleanOutputs ?? ['']) {
          assert.equal(backend.isFetchError(output), false, `isFetchError must be false for ${describeInput(output)}`);
        }
      },
    },
    {
      name: 'findLockHolder is null while nobody holds the lock',
      async run(backend) {
        assert.equal(await backend.findLockHolder(), null);
      },
    },
    {
      name: 'lastCacheUpdate and rebootRequired answer with the right types',
      async run(backend) {
        const last = await backend.lastCacheUpdate();
        assert.ok(
          last === null || (last instanceof Date && !Number.isNaN(last.getTime())),
          'lastCacheUpdate must be a valid Date or null',
        );
        assert.equal(typeof (await backend.rebootRequired()), 'boolean', 'rebootRequired must be a boolean');
      },
    },
    {
      name: 'lastUpdateTime, when implemented, is a valid Date or null and never in the future',
      async run(backend) {
        if (backend.lastUpdateTime === undefined) return;
        const last = await backend.lastUpdateTime();
        assert.ok(
          last === null || (last instanceof Date && !Number.isNaN(last.getTime())),
          'lastUpdateTime must be a valid Date or null',
        );
        if (last !== null) assert.ok(last.getTime() <= Date.now(), `lastUpdateTime is in the future: ${last.toISOString()}`);
      },
    },
  ];

  checks.push(...deploymentChecks());

  if (options.ascendingVersions && options.ascendingVersions.length > 1) {
    const ascending = options.ascendingVersions;
    checks.push({
      name: 'compareVersions orders the ascending sample',
      async run(backend) {
        for (let i = 0; i + 1 < ascending.length; i++) {
          const lower = ascending[i] as string;
          for (const higher of ascending.slice(i + 1)) {
            assert.ok(backend.compareVersions(lower, higher) < 0, `${lower} must sort before ${higher}`);
            assert.ok(backend.compareVersions(higher, lower) > 0, `${higher} must sort after ${lower}`);
          }
        }
      },
    });
  }

  checks.push(
    {
      name: 'declared capabilities are well-formed and backed by the methods they need',
      async run(backend) {
        if (backend.capabilities === undefined) return;
        const declared = backend.capabilities();
        const { operations } = declared;
        for (const [operation, flags] of Object.entries(operations)) {
          if (typeof flags === 'boolean') continue;
          for (const [flag, value] of Object.entries(flags)) {
            if (flag === 'sources') {
              assert.ok(Array.isArray(value) && value.every((source) => ['repo', 'cache', 'store'].includes(source)));
            } else assert.equal(typeof value, 'boolean', `operations.${operation}.${flag} must be a boolean`);
          }
        }
        assert.equal(typeof operations.deployments, 'boolean');
        if (operations.patch_apply.pinned_versions) {
          assert.equal(typeof backend.findUnavailableVersions, 'function', 'pinned_versions needs findUnavailableVersions');
        }
        // The rollback store keeps files only through rollbackFiles: `store` is declared exactly then.
        assert.equal(
          operations.rollback.sources.includes('store'),
          backend.rollbackFiles !== undefined,
          'rollback.sources lists "store" exactly when the backend has rollbackFiles',
        );
      },
    },
    {
      name: 'reboot_forecast is declared exactly when restartForecast is there, and it answers well-formed',
      async run(backend) {
        const facet = backend.restartForecast;
        assert.equal(
          capabilitiesOf(backend).reboot_forecast,
          facet !== undefined,
          'reboot_forecast must be declared true with restartForecast, and false without',
        );
        if (facet === undefined) return;
        for (const rule of await facet.rebootRules()) {
          assert.ok(
            typeof rule.pattern === 'string' && rule.pattern.length > 0 && typeof rule.why === 'string' && rule.why.length > 0,
          );
        }
        const installed = await backend.listInstalled();
        const files = await facet.packageFiles([...installed.map((pkg) => pkg.name), UNKNOWN_PACKAGE]);
        assert.equal(files.has(UNKNOWN_PACKAGE), false, 'packageFiles lists no files for a package that is not installed');
        for (const [name, paths] of files) {
          assert.ok(
            paths.every((path) => path.startsWith('/')),
            `packageFiles(${name}) must give paths inside the root, starting with /`,
          );
        }
        const flag = await facet.rebootFlag();
        assert.equal(typeof flag.required, 'boolean');
        assert.ok(Array.isArray(flag.packages) && typeof flag.source === 'string');
      },
    },
    {
      name: 'a feature declared unsupported is refused by the backend too, before anything changes',
      async run(backend) {
        const operations = backend.capabilities?.().operations;
        if (operations === undefined || operations.patch_apply.security_only) return;
        const before = snapshot(await backend.listInstalled());
        for (const [what, attempt] of [
          ['planUpgrades', () => backend.planUpgrades({ names: null, securityOnly: true })],
          ['applyUpgrades', () => backend.applyUpgrades({ names: null, securityOnly: true }, context())],
        ] as const) {
          await assert.rejects(attempt, (error) => isLpaError(error), `${what} with security_only declared unsupported`);
        }
        assert.deepEqual(snapshot(await backend.listInstalled()), before, 'a refused security_only apply changed something');
      },
    },
    {
      name: 'findUnavailableVersions names a version nobody offers and accepts the installed ones',
      async run(backend) {
        if (backend.findUnavailableVersions === undefined) return;
        const installed = (await backend.listInstalled()).slice(0, 3).map((pkg) => ({ name: pkg.name, version: pkg.version }));
        assert.deepEqual(await backend.findUnavailableVersions(installed), [], 'installed versions are available');
        const missing = { name: UNKNOWN_PACKAGE, version: '1.0' };
        if (options.availabilityDecidedByApply) {
          const before = snapshot(await backend.listInstalled());
          assert.deepEqual(await backend.findUnavailableVersions([...installed, missing]), [], 'the apply decides availability');
          assert.deepEqual(snapshot(await backend.listInstalled()), before, 'findUnavailableVersions changed something');
          return;
        }
        assert.deepEqual(await backend.findUnavailableVersions([...installed, missing]), [missing]);
        if (options.upgradeFixture) {
          const { name, from, to } = options.upgradeFixture;
          assert.deepEqual(
            await backend.findUnavailableVersions([
              { name, version: from },
              { name, version: to },
            ]),
            [],
            'both versions of the upgrade fixture are offered',
          );
        }
      },
    },
    {
      name: 'indexFingerprint is stable while nothing changes',
      async run(backend) {
        if (backend.indexFingerprint === undefined) return;
        const first = await backend.indexFingerprint();
        assert.equal(typeof first, 'string');
        assert.equal(await backend.indexFingerprint(), first);
      },
    },
  );

  if (fixtures.length > 0) {
    checks.push(
      {
        name: 'an operation whose AbortSignal is already aborted stops before anything changes',
        async run(backend) {
          const before = snapshot(await backend.listInstalled());
          const ctx = context();
          ctx.controller.abort(new Error('cancelled by the conformance kit'));
          await assert.rejects(() => backend.install(fixtures, ctx));
          assert.deepEqual(snapshot(await backend.listInstalled()), before, 'the cancelled install changed the installed set');
        },
      },
      {
        name: 'a mutation reports progress and output lines',
        async run(backend) {
          const ctx = context();
          await backend.install(fixtures, ctx);
          try {
            assert.ok(ctx.progress.length > 0, 'install called onProgress not once');
            assert.ok(
              ctx.progress.every((percent) => percent >= 0 && percent <= 100),
              `progress outside 0–100: ${ctx.progress.join(', ')}`,
            );
            assert.ok(ctx.log.length > 0, 'install called onLog not once');
          } finally {
            await backend.remove(
              fixtures.map((spec) => spec.name),
              context(),
            );
          }
        },
      },
    );
    if (options.holdLock) {
      const holdLock = options.holdLock;
      checks.push({
        name: 'a package-manager lock held by another process fails a mutation LOCKED, changing nothing',
        async run(backend) {
          const before = snapshot(await backend.listInstalled());
          const held = await holdLock();
          try {
            assert.notEqual(await backend.findLockHolder(), null, 'findLockHolder must see the held lock');
            await assert.rejects(
              () => backend.install(fixtures, createOperationContext({ timeoutMs, lockWaitSeconds: 1 })),
              (error) => isLpaError(error, 'LPA_ERR_LOCKED'),
              'install under a held lock must reject with LPA_ERR_LOCKED',
            );
          } finally {
            await held.release();
          }
          assert.deepEqual(snapshot(await backend.listInstalled()), before, 'the locked install changed the installed set');
        },
      });
    }
    checks.push({
      name: 'mutation round trip: install → listed → remove → gone',
      async run(backend) {
        const names = fixtures.map((spec) => spec.name);
        const initially = await backend.listInstalled();
        const present = initially.filter((pkg) => names.includes(pkg.name)).map((pkg) => pkg.name);
        assert.deepEqual(present, [], 'the fixtures must not be installed before the round trip');

        const installed = await backend.install(fixtures, context());
        assert.equal(typeof installed.output, 'string', 'install must resolve to { output: string }');
        const afterInstall = await backend.listInstalled();
        for (const spec of fixtures) {
          const pkg = afterInstall.find((candidate) => candidate.name === spec.name);
          assert.ok(pkg, `${spec.name} is not listed after install`);
          if (spec.version !== undefined) assert.equal(pkg.version, spec.version, `${spec.name} installed at the wrong version`);
          const details = await backend.getPackage(spec.name);
          assert.ok(details, `getPackage(${spec.name}) is null after install`);
          assertNoProblems(packageDetailsProblems(details, `getPackage(${spec.name})`));
        }
        assert.deepEqual(await backend.findLockHolder(), null, 'the lock is still held after install');

        const removed = await backend.remove(names, context());
        assert.equal(typeof removed.output, 'string', 'remove must resolve to { output: string }');
        const afterRemove = await backend.listInstalled();
        const left = afterRemove.filter((pkg) => names.includes(pkg.name) && pkg.status === 'installed').map((pkg) => pkg.name);
        assert.deepEqual(left, [], 'still installed after remove');
        for (const name of names) {
          const details = await backend.getPackage(name);
          assert.ok(details === null || details.status !== 'installed', `getPackage(${name}) still shows it installed`);
        }
      },
    });
  }
  const upgrade = options.upgradeFixture;
  if (upgrade) {
    checks.push({
      name: 'upgrade round trip: install old → upgrade listed and planned → applyUpgrades → downgrade → remove',
      async run(backend) {
        const versionOf = async () => (await backend.listInstalled()).find((pkg) => pkg.name === upgrade.name)?.version ?? null;
        assert.equal(await versionOf(), null, `${upgrade.name} must not be installed before the upgrade round trip`);
        await backend.install([{ name: upgrade.name, version: upgrade.from }], context());
        try {
          assert.equal(await versionOf(), upgrade.from, 'installed at the wrong version');
          const listed = (await backend.listUpgrades()).find((candidate) => candidate.name === upgrade.name);
          assert.ok(listed, `listUpgrades does not list ${upgrade.name}`);
          assert.deepEqual([listed.current_version, listed.available_version], [upgrade.from, upgrade.to]);
          const details = await backend.getPackage(upgrade.name);
          assert.deepEqual(
            [details?.upgradable, details?.available_version],
            [true, upgrade.to],
            'getPackage must say upgradable',
          );
          const plan = await backend.planUpgrades({ names: [upgrade.name], securityOnly: false });
          assert.ok(
            plan.some(
              (change) =>
                change.name === upgrade.name &&
                change.action === 'upgraded' &&
                change.from_version === upgrade.from &&
                change.to_version === upgrade.to,
            ),
            `planUpgrades does not plan ${upgrade.name} ${upgrade.from} → ${upgrade.to}: ${JSON.stringify(plan)}`,
          );
          assert.equal(await versionOf(), upgrade.from, 'planUpgrades changed the installed version');
          await backend.applyUpgrades({ names: [upgrade.name], securityOnly: false }, context());
          assert.equal(await versionOf(), upgrade.to, 'applyUpgrades did not upgrade');
          assert.ok(
            !(await backend.listUpgrades()).some((candidate) => candidate.name === upgrade.name),
            'still listed as upgradable',
          );
          await backend.update(upgrade.name, upgrade.from, context());
          assert.equal(await versionOf(), upgrade.from, 'update to the older version did not downgrade');
        } finally {
          await backend.remove([upgrade.name], context());
        }
        assert.equal(await versionOf(), null, 'still installed after remove');
      },
    });
  }

  const planned = upgrade
    ? [{ name: upgrade.name, version: upgrade.from }]
    : fixtures.filter((spec) => spec.version !== undefined);
  if (planned.length > 0) {
    checks.push({
      name: 'installPlanned, where the backend has it, installs exactly the given versions (up and down) and changes no other package',
      async run(backend) {
        if (backend.installPlanned === undefined) return;
        const pins = planned as Required<PackageSpec>[];
        const names = pins.map((spec) => spec.name);
        const before = await backend.listInstalled();
        const versions = async () => new Map((await backend.listInstalled()).map((pkg) => [pkg.name, pkg.version]));
        const othersUnchanged = async (what: string) => {
          const now = await versions();
          const moved = before
            .filter((pkg) => !names.includes(pkg.name) && now.get(pkg.name) !== pkg.version)
            .map((pkg) => pkg.name);
          assert.deepEqual(moved, [], `${what} changed packages it was not given`);
        };
        await backend.installPlanned(pins, names, context());
        try {
          const installed = await versions();
          for (const spec of pins)
            assert.equal(installed.get(spec.name), spec.version, `${spec.name} installed at the wrong version`);
          await othersUnchanged('installPlanned');
          if (upgrade) {
            await backend.installPlanned([{ name: upgrade.name, version: upgrade.to }], [], context());
            assert.equal((await versions()).get(upgrade.name), upgrade.to, 'installPlanned did not upgrade to the given version');
            await backend.installPlanned([{ name: upgrade.name, version: upgrade.from }], [], context());
            assert.equal(
              (await versions()).get(upgrade.name),
              upgrade.from,
              'installPlanned did not downgrade to the given version',
            );
          }
        } finally {
          await backend.remove(names, context());
        }
        await othersUnchanged('installPlanned and remove');
      },
    });
  }

  if (options.checkRefresh) {
    checks.push({
      name: 'refreshCache succeeds on the prepared root and lastCacheUpdate then answers with a date',
      async run(backend) {
        const refreshed = await backend.refreshCache(context());
        assert.equal(typeof refreshed.output, 'string', 'refreshCache must resolve to { output: string }');
        const last = await backend.lastCacheUpdate();
        assert.ok(
          last instanceof Date && !Number.isNaN(last.getTime()),
          'lastCacheUpdate is not a date after a successful refresh',
        );
      },
    });
  }

  if (options.checkRepair) {
    checks.push({
      name: 'repair on a consistent root needs nothing and reports the database consistent',
      async run(backend) {
        const before = snapshot(await backend.listInstalled());
        const outcome = await backend.repair(context());
        assert.deepEqual([outcome.needed, outcome.consistent, typeof outcome.output], [false, true, 'string']);
        assert.deepEqual(snapshot(await backend.listInstalled()), before, 'repair changed the installed set');
      },
    });
  }
  return checks;
}

async function expectNotSupported(what: string, action: () => Promise<unknown>): Promise<void> {
  let outcome: unknown;
  try {
    await action();
    outcome = 'it resolved';
  } catch (error) {
    if (isLpaError(error, 'LPA_ERR_NOT_SUPPORTED')) return;
    outcome = error;
  }
  assert.fail(
    `${what} must reject with LpaError LPA_ERR_NOT_SUPPORTED; ${outcome instanceof Error ? `${outcome.name}: ${outcome.message}` : String(outcome)}`,
  );
}

const CHECKSUM = /^[0-9a-f]{64}$/;

/**
 * Checks for backends with the deployments capability (atomic hosts, SPEC §13); each passes
 * trivially for a backend without it. A backend without package layering must refuse every
 * package mutation and its plan with NOT_SUPPORTED, never half-do it.
 */
function deploymentChecks(): ConformanceCheck<PackageManagerBackend>[] {
  return [
    {
      name: 'deployments: the list is in boot order with well-formed records, at most one booted',
      async run(backend) {
        if (backend.deployments === undefined) return;
        const deployments = await backend.deployments.list();
        assert.ok(deployments.length > 0, 'the prepared sysroot has at least one deployment');
        deployments.forEach((deployment, index) => {
          assert.equal(deployment.index, index, 'indexes are the boot order, 0 first');
          assert.match(deployment.checksum, CHECKSUM, `deployments[${index}].checksum`);
          assert.ok(typeof deployment.osname === 'string' && deployment.osname.length > 0, `deployments[${index}].osname`);
          for (const flag of ['booted', 'staged', 'pending', 'pinned'] as const) {
            assert.equal(typeof deployment[flag], 'boolean', `deployments[${index}].${flag}`);
          }
          assert.ok(!(deployment.booted && deployment.pending), `deployments[${index}] cannot be booted and pending`);
        });
        assert.ok(deployments.filter((deployment) => deployment.booted).length <= 1, 'more than one deployment booted');
      },
    },
    {
      name: 'deployments: the next-boot inventory is the default image followed by its packages',
      async run(backend) {
        if (backend.deployments === undefined) return;
        const [first] = await backend.deployments.list();
        const inventory = await backend.deployments.nextBootInventory();
        assert.ok(first !== undefined && inventory[0] !== undefined, 'an inventory of the default deployment');
        assert.equal(inventory[0].name, first.osname, 'the first entry is the image, named for the osname');
        assert.equal(inventory[0].version, first.version ?? first.checksum);
        assertNoProblems(inventory.flatMap((pkg, index) => installedPackageProblems(pkg, `inventory[${index}]`)));
      },
    },
    {
      name: 'deployments: refs that could become options or paths are refused',
      async run(backend) {
        if (backend.deployments === undefined) return;
        const refs = ['', '-x', '--repo=/', 'remote:--x', '../x', 'a/../b', 'a b', '$(id)', 'x;y'];
        const accepted = refs.filter((ref) => backend.deployments?.validateRef(ref) === null).map(describeInput);
        assert.deepEqual(accepted, [], 'hostile refs accepted');
      },
    },
    {
      name: 'without package layering, install/update/remove and their plans are refused NOT_SUPPORTED and change nothing',
      async run(backend) {
        if (backend.deployments?.packageLayering !== false) return;
        const deploymentsBefore = JSON.stringify(await backend.deployments.list());
        const installed = await backend.listInstalled();
        const name = installed[0]?.name ?? 'lpa-fixture-valid';
        const ctx = createOperationContext({ timeoutMs: 60_000 });
        await expectNotSupported('install', () => backend.install([{ name }], ctx));
        await expectNotSupported('update', () => backend.update(name, undefined, ctx));
        await expectNotSupported('remove', () => backend.remove([name], ctx));
        await expectNotSupported('planInstall', () => backend.planInstall([{ name }]));
        await expectNotSupported('planRemove', () => backend.planRemove([name]));
        assert.equal(JSON.stringify(await backend.deployments.list()), deploymentsBefore, 'the deployments changed');
        assert.deepEqual(snapshot(await backend.listInstalled()), snapshot(installed), 'the installed set changed');
      },
    },
  ];
}

/**
 * The backend conformance kit. Registers a node:test suite (`describe`) with one test per contract
 * check; call it at the top level of a test file or inside a `describe`:
 *
 *     import { verifyBackend, RecordingRunner, createProcessRunner } from '@linux-patch-api/core/testing';
 *     const recorder = new RecordingRunner(createProcessRunner());
 *     verifyBackend({
 *       createBackend: async () => definition.create({ root, runner: recorder, logger, stateDir }),
 *       recorder,
 *       fetchErrorOutputs: ['Err:1 file:/repo ./ Packages\n  File not found'],
 *       fixtures: [{ name: 'lpa-fixture-hello', version: '1.0-1' }],
 *       ascendingVersions: ['1.0~rc1', '1.0', '1.0-1', '1:0.1'],
 *       dispose: () => rm(root, { recursive: true, force: true }),
 *     });
 *
 * The backend must operate on a prepared root where nobody holds the package-manager lock. With
 * `fixtures` the kit also installs and removes them (they must be offered by the root's repository
 * and not installed). Use backendChecks + runChecks to run the same checks without node:test.
 */
export function verifyBackend(options: VerifyBackendOptions): void {
  registerChecks(options.title ?? 'backend conformance', backendChecks(options), options.createBackend, options.dispose);
}
