/** Runs the core's backend conformance kit on an rpm backend plugin over a real dnf sandbox root. */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BackendDefinition } from '@linux-patch-api/core';
import { createProcessRunner, RecordingRunner, silentLogger, verifyBackend } from '@linux-patch-api/core/testing';
import { createDnfSandbox, type DnfSandbox, holdDnfLock } from '../../../test/support/sandbox/dnf.js';

/** The real output of a refresh against a repository that is gone (what isFetchError must recognise). */
export async function realFetchFailureOutput(): Promise<string> {
  const sandbox = await createDnfSandbox();
  const repoFile = join(sandbox.root, 'etc/yum.repos.d/fixtures.repo');
  const text = await readFile(repoFile, 'utf8');
  await writeFile(repoFile, text.replace(/^baseurl=.*$/m, `baseurl=file://${join(sandbox.dir, 'gone')}`));
  try {
    await sandbox.dnf(['makecache']);
    throw new Error('makecache succeeded against a missing repository');
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    sandbox.cleanup();
  }
}

export async function verifyRpmBackendPlugin(
  title: string,
  definition: (sandbox: DnfSandbox) => Promise<BackendDefinition>,
): Promise<void> {
  const fetchFailure = await realFetchFailureOutput();
  const recorder = new RecordingRunner(createProcessRunner());
  let sandbox: DnfSandbox | undefined;
  verifyBackend({
    title,
    async createBackend() {
      sandbox = await createDnfSandbox();
      await sandbox.dnf(['install', '--', 'lpa-fixture-sec-1.0-1', 'lpa-fixture-epoch']);
      return (await definition(sandbox)).create({
        root: sandbox.root,
        runner: recorder,
        logger: silentLogger,
        stateDir: join(sandbox.stateDir, 'backend'),
      });
    },
    dispose: () => sandbox?.cleanup(),
    recorder,
    fetchErrorOutputs: [fetchFailure],
    cleanOutputs: ['', 'Complete!\n', 'Metadata cache created.\n'],
    ascendingVersions: ['1.0~rc1', '1.0', '1.0-1', '1.0-2', '1.0^git1', '1.1-1', '1:0.1-1'],
    validNames: ['glibc', 'python3.11', 'libstdc++', 'perl-Data-Dumper', 'NetworkManager', 'java-17-openjdk'],
    validVersions: ['2:4.18.0-553.el8_10', '1.0~rc1-1.fc40', '6.9.0^20240101git-1'],
    fixtures: [{ name: 'lpa-fixture-hello', version: '1.0-1' }, { name: 'lpa-fixture-dep' }],
    // dnf's own RPMDB lock, entered through dnf's lock module by another process.
    holdLock: () => holdDnfLock((sandbox as DnfSandbox).root),
  });
}
