import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PackageManagerBackend } from '@linux-patch-api/core';
import { LpaError } from '@linux-patch-api/core';
import {
  backendChecks,
  createProcessRunner,
  RecordingRunner,
  runChecks,
  type VerifyBackendOptions,
  verifyBackend,
} from '@linux-patch-api/core/testing';
import { MemoryBackend } from './memory-backend.js';

const FETCH_ERRORS = [
  'E: Failed to fetch file:/repo/Packages  File not found',
  'Status code: 404 Not Found for https://x/repodata',
];

function preparedBackend(): { backend: MemoryBackend; recorder: RecordingRunner } {
  const recorder = new RecordingRunner(createProcessRunner());
  const backend = new MemoryBackend(recorder)
    .offer('base-files', '12.4')
    .offer('libc6', '2.36-9', '2.36-9+deb12u4')
    .offer('lpa-fixture-hello', '1.0-1', '1.1-1')
    .offer('lpa-fixture-up', '1.0', '1.1')
    .put('base-files', '12.4')
    .put('libc6', '2.36-9');
  return { backend, recorder };
}

function kitOptions(recorder: RecordingRunner): Omit<VerifyBackendOptions, 'createBackend'> {
  return {
    recorder,
    fetchErrorOutputs: FETCH_ERRORS,
    cleanOutputs: ['', 'Reading package lists... Done'],
    ascendingVersions: ['0.9', '1.0', '1.0.1', '1.9', '1.10', '2.0'],
    versionSamples: ['1.0', '1.0-1', '1.1', '2.0~rc1', '2.0', '10.0', '1.0+b1'],
    fixtures: [{ name: 'lpa-fixture-hello', version: '1.0-1' }],
    upgradeFixture: { name: 'lpa-fixture-up', from: '1.0', to: '1.1' },
    checkRefresh: true,
    checkRepair: true,
  };
}

/** Runs the whole kit against a variant of the correct backend and returns the failing check names. */
async function failingChecks(breakIt: (backend: MemoryBackend) => void): Promise<string[]> {
  const { backend, recorder } = preparedBackend();
  breakIt(backend);
  const results = await runChecks(
    backendChecks({ ...kitOptions(recorder), createBackend: () => backend }),
    backend as PackageManagerBackend,
  );
  return results.filter((result) => !result.passed).map((result) => result.name);
}

describe('backend conformance kit', () => {
  it('passes a correct backend on every check, mutation round trip included', async () => {
    const { backend, recorder } = preparedBackend();
    const checks = backendChecks({ ...kitOptions(recorder), createBackend: () => backend });
    assert.ok(checks.some((check) => check.name.startsWith('mutation round trip')));
    const results = await runChecks(checks, backend as PackageManagerBackend);
    assert.deepEqual(
      results.filter((result) => !result.passed).map((result) => ({ name: result.name, error: String(result.error) })),
      [],
    );
    assert.ok(recorder.argvs.some((argv) => argv.join(' ') === '/bin/true install -- lpa-fixture-hello'));
    assert.equal(backend.installed.has('lpa-fixture-hello'), false, 'the round trip removes what it installed');
  });

  it('fails a backend whose name grammar admits options and shell syntax', async () => {
    const failed = await failingChecks((backend) => {
      backend.validateName = () => null;
    });
    assert.ok(failed.includes('validateName refuses option-like, path, shell, control-character, empty and overlong names'));
    assert.ok(failed.includes('mutations refuse hostile input before starting any process'));
  });

  it('fails a backend that admits option-like versions', async () => {
    const failed = await failingChecks((backend) => {
      backend.validateVersion = (version) => (version.length > 0 ? null : 'empty');
    });
    assert.ok(failed.includes('validateVersion refuses option-like, shell, control-character, empty and overlong versions'));
  });

  it('fails a backend that refuses ordinary names', async () => {
    const failed = await failingChecks((backend) => {
      backend.validateName = (name) => (name.includes('-') ? 'no dashes' : null);
    });
    assert.deepEqual(failed.includes('validateName accepts every installed name and the valid samples'), true);
  });

  it('fails a backend that starts a process before validating', async () => {
    const failed = await failingChecks((backend) => {
      const install = backend.install.bind(backend);
      backend.install = async (specs, ctx) => {
        await backend.runner.run({ file: '/bin/true', args: ['install', '--', ...specs.map((spec) => spec.name)] });
        return install(specs, ctx);
      };
    });
    assert.deepEqual(failed, ['mutations refuse hostile input before starting any process']);
  });

  it('fails an inconsistent version order and a wrong one', async () => {
    const inconsistent = await failingChecks((backend) => {
      backend.compareVersions = (a, b) => (a === b ? 0 : 1);
    });
    assert.ok(inconsistent.includes('compareVersions is a consistent total order'));
    const lexical = await failingChecks((backend) => {
      backend.compareVersions = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
    });
    assert.ok(lexical.includes('compareVersions orders the ascending sample'));
    assert.ok(!lexical.includes('compareVersions is a consistent total order'), 'lexical order is consistent, only wrong');
  });

  it('fails malformed records', async () => {
    const installed = await failingChecks((backend) => {
      const list = backend.listInstalled.bind(backend);
      backend.listInstalled = async () => (await list()).map((pkg) => ({ ...pkg, installed_size: '1 KiB' as unknown as number }));
    });
    assert.ok(installed.includes('listInstalled returns well-formed records, one per name and architecture'));
    const upgrades = await failingChecks((backend) => {
      const list = backend.listUpgrades.bind(backend);
      backend.listUpgrades = async () =>
        (await list()).map((upgrade) => ({ ...upgrade, security: 'unknown' as unknown as null }));
    });
    assert.deepEqual(upgrades, ['listUpgrades returns well-formed records (security is boolean or null)']);
  });

  it('fails getPackage answering for an unknown name', async () => {
    const failed = await failingChecks((backend) => {
      backend.getPackage = async (name) => ({
        name,
        version: '0',
        architecture: null,
        status: 'not-installed',
        description: null,
        installed_size: null,
        upgradable: false,
        available_version: null,
      });
    });
    assert.ok(failed.includes('getPackage of an unknown name is null'));
  });

  it('fails a plan that changes the system', async () => {
    const failed = await failingChecks((backend) => {
      const plan = backend.planInstall.bind(backend);
      backend.planInstall = async (specs) => {
        const changes = await plan(specs);
        for (const change of changes) backend.put(change.name, change.to_version as string);
        return changes;
      };
    });
    assert.ok(failed.includes('planning changes nothing and returns well-formed changes'));
  });

  it('fails fetch-error detection that never or always fires', async () => {
    const never = await failingChecks((backend) => {
      backend.isFetchError = () => false;
    });
    assert.deepEqual(never, ['isFetchError recognises download failures and not clean output']);
    const always = await failingChecks((backend) => {
      backend.isFetchError = () => true;
    });
    assert.deepEqual(always, ['isFetchError recognises download failures and not clean output']);
  });

  it('fails a lock holder reported while the lock is free', async () => {
    const failed = await failingChecks((backend) => {
      backend.findLockHolder = async () => ({ path: '/var/lib/dpkg/lock', pid: null });
    });
    assert.ok(failed.includes('findLockHolder is null while nobody holds the lock'));
  });

  it('fails a remove that leaves the package installed', async () => {
    const failed = await failingChecks((backend) => {
      const remove = backend.remove.bind(backend);
      backend.remove = async (names, ctx) => {
        if (names.some((name) => backend.validateName(name) !== null)) throw new LpaError('LPA_ERR_VALIDATION', 'bad name');
        await remove(['lpa-conformance-unrelated'], ctx);
        return { output: `pretended to remove ${names.join(' ')}` };
      };
    });
    assert.deepEqual(failed, [
      'mutation round trip: install → listed → remove → gone',
      'upgrade round trip: install old → upgrade listed and planned → applyUpgrades → downgrade → remove',
    ]);
  });

  it('fails upgrades that do not upgrade, downgrades that do not downgrade, and a stale cache date', async () => {
    const noUpgrade = await failingChecks((backend) => {
      backend.applyUpgrades = async (selection) => {
        if (selection.names?.some((name) => backend.validateName(name) !== null))
          throw new LpaError('LPA_ERR_VALIDATION', 'bad name');
        return { output: '' };
      };
    });
    assert.deepEqual(noUpgrade, [
      'upgrade round trip: install old → upgrade listed and planned → applyUpgrades → downgrade → remove',
    ]);
    const noDowngrade = await failingChecks((backend) => {
      const update = backend.update.bind(backend);
      backend.update = async (name, _version, ctx) => update(name, undefined, ctx);
    });
    assert.deepEqual(noDowngrade, [
      'upgrade round trip: install old → upgrade listed and planned → applyUpgrades → downgrade → remove',
    ]);
    const staleDate = await failingChecks((backend) => {
      backend.lastCacheUpdate = async () => null;
    });
    assert.deepEqual(staleDate, ['refreshCache succeeds on the prepared root and lastCacheUpdate then answers with a date']);
    const dirty = await failingChecks((backend) => {
      backend.repair = async () => ({ needed: true, consistent: true, output: 'configured 1 package' });
    });
    assert.deepEqual(dirty, ['repair on a consistent root needs nothing and reports the database consistent']);
  });

  it('fails a backend with a missing method', async () => {
    const failed = await failingChecks((backend) => {
      (backend as { repair?: unknown }).repair = undefined;
    });
    assert.deepEqual(failed, [
      'every method of the contract is present and info() is well-formed',
      'repair on a consistent root needs nothing and reports the database consistent',
    ]);
  });

  it('turns a validation failure thrown as a plain Error into a failure', async () => {
    const failed = await failingChecks((backend) => {
      backend.remove = async (names) => {
        if (names.some((name) => backend.validateName(name) !== null)) throw new Error('bad name');
        throw new LpaError('LPA_ERR_BACKEND', 'not implemented');
      };
    });
    assert.ok(failed.includes('mutations refuse hostile input before starting any process'));
  });
});

// The registering form, run for real by node:test against the correct backend.
const registered = preparedBackend();
verifyBackend({
  ...kitOptions(registered.recorder),
  title: 'verifyBackend on the in-memory backend',
  createBackend: () => registered.backend,
});
