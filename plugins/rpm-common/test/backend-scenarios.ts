/**
 * Backend-level scenarios on real dnf and rpm, shared by the dnf plugin and the yum plugin (run
 * as dnf invoked under the name `yum`, RHEL 8+'s yum). Each scenario gets its own sandbox root.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { BackendDefinition } from '@linux-patch-api/core';
import { createOperationContext, HOSTILE_PACKAGE_NAMES, HOSTILE_VERSIONS } from '@linux-patch-api/core/testing';
import { runTool } from '../../../test/support/sandbox/common.js';
import {
  BUGFIX_ADVISORY,
  createDnfSandbox,
  type DnfSandbox,
  hostRpmState,
  RELEASE,
  SECURITY_ADVISORY,
  SLOW,
  SLOW_STARTED_MARKER,
} from '../../../test/support/sandbox/dnf.js';
import { backendOn, rejectsWith, waitFor } from './helpers.js';

const HELLO = 'lpa-fixture-hello';
const DEP = 'lpa-fixture-dep';
const SEC = 'lpa-fixture-sec';
const EPOCH = 'lpa-fixture-epoch';

function sorted(map: Map<string, string>): Record<string, string> {
  return Object.fromEntries([...map].sort());
}

export interface ScenarioOptions {
  title: string;
  /** The backend definition the plugin registers, given the sandbox (the yum flavour needs its `yum` symlink). */
  definition(sandbox: DnfSandbox): Promise<BackendDefinition>;
  /** The program every package-manager invocation must use. */
  expectedBinary(sandbox: DnfSandbox): string;
  packageManager: 'dnf' | 'yum';
}

export function backendScenarios(options: ScenarioOptions): void {
  const hostBefore = hostRpmState();
  after(() => {
    assert.deepEqual(hostRpmState(), hostBefore, "the host's rpm/dnf state changed");
  });

  async function setup(install: string[] = []) {
    const sandbox = await createDnfSandbox();
    if (install.length > 0) await sandbox.dnf(['install', '--', ...install]);
    const { backend, recorder } = await backendOn(await options.definition(sandbox), sandbox);
    return { sandbox, backend, recorder };
  }

  describe(options.title, { concurrency: false }, () => {
    it('lists exactly what rpm -qa lists, with epochs, summary, size and architecture', async () => {
      const { sandbox, backend, recorder } = await setup([`${HELLO}-1.0-1`, `${SEC}-1.0-1`, EPOCH]);
      assert.deepEqual(backend.info(), { packageManager: options.packageManager, root: sandbox.root });
      const listed = await backend.listInstalled();
      assert.deepEqual(sorted(new Map(listed.map((p) => [p.name, p.version]))), sorted(await sandbox.installed()));
      assert.deepEqual(
        listed.find((p) => p.name === HELLO),
        {
          name: HELLO,
          version: '1.0-1',
          architecture: 'noarch',
          status: 'installed',
          description: `Fixture ${HELLO} 1.0`,
          installed_size: 4,
        },
      );
      assert.equal(listed.find((p) => p.name === EPOCH)?.version, '2:0.5-1');
      // A second read with an unchanged database is served from the cache: no new rpm process.
      const before = recorder.invocations.length;
      await backend.listInstalled();
      assert.equal(recorder.invocations.length, before);
      await sandbox.dnf(['remove', '--', EPOCH]);
      assert.ok(!(await backend.listInstalled()).some((p) => p.name === EPOCH), 'the cache must follow a database change');
      sandbox.cleanup();
    });

    it('lists upgrades with security classification, severity and advisory ids from updateinfo', async () => {
      const { sandbox, backend, recorder } = await setup([`${HELLO}-1.0-1`, `${SEC}-1.0-1`]);
      const upgrades = await backend.listUpgrades();
      const started = recorder.invocations.length;
      assert.deepEqual(await backend.listUpgrades(), upgrades);
      assert.equal(recorder.invocations.length, started, 'unchanged inputs: the upgrade list is reused, no process started');
      // Concurrent readers after a change share one computation (check-update + two updateinfo runs).
      await sandbox.dnf(['install', '--', EPOCH]);
      const toolRuns = () => recorder.invocations.filter((i) => !i.file.endsWith('/rpm')).length;
      const before = toolRuns();
      const [first, second] = await Promise.all([backend.listUpgrades(), backend.listUpgrades()]);
      assert.deepEqual(first, second);
      assert.equal(toolRuns() - before, 3);
      await sandbox.dnf(['remove', '--', EPOCH]);
      const byName = new Map(upgrades.map((u) => [u.name, u]));
      assert.deepEqual([...byName.keys()].sort(), [HELLO, SEC]);
      assert.deepEqual(byName.get(SEC), {
        name: SEC,
        current_version: '1.0-1',
        available_version: '1.1-1',
        architecture: 'noarch',
        security: true,
        severity: SECURITY_ADVISORY.severity,
        advisories: [SECURITY_ADVISORY.id, SECURITY_ADVISORY.cve],
        repository: 'fixtures',
        held_back: null,
        advisory_records: [
          {
            id: SECURITY_ADVISORY.id,
            type: 'security',
            severity: 'high',
            severity_raw: SECURITY_ADVISORY.severity,
            cves: [SECURITY_ADVISORY.cve],
            source: 'updateinfo',
            url: null,
            issued: null,
          },
        ],
      });
      assert.equal(byName.get(HELLO)?.security, false);
      assert.equal(byName.get(HELLO)?.severity, null);
      assert.deepEqual(byName.get(HELLO)?.advisories, [BUGFIX_ADVISORY.id]);

      const details = await backend.getPackage(SEC);
      assert.equal(details?.upgradable, true);
      assert.equal(details?.available_version, '1.1-1');
      assert.equal(await backend.getPackage(DEP), null, 'not installed → null');
      sandbox.cleanup();
    });

    it('plans without changing anything: all upgrades pull the new dependency, security-only only the advisory', async () => {
      const { sandbox, backend } = await setup([`${HELLO}-1.0-1`, `${SEC}-1.0-1`]);
      const before = await sandbox.installed();
      const all = await backend.planUpgrades({ names: null, securityOnly: false });
      assert.deepEqual(
        [...all].sort((a, b) => a.name.localeCompare(b.name)),
        [
          { name: DEP, action: 'installed', from_version: null, to_version: '1.0-1' },
          { name: HELLO, action: 'upgraded', from_version: '1.0-1', to_version: '1.1-1' },
          { name: SEC, action: 'upgraded', from_version: '1.0-1', to_version: '1.1-1' },
        ],
      );
      const security = await backend.planUpgrades({ names: null, securityOnly: true });
      assert.deepEqual(security, [{ name: SEC, action: 'upgraded', from_version: '1.0-1', to_version: '1.1-1' }]);
      assert.deepEqual(await backend.planRemove([SEC]), [
        { name: SEC, action: 'removed', from_version: '1.0-1', to_version: null },
      ]);
      assert.deepEqual(await backend.planInstall([{ name: HELLO, version: '1.1-1' }]), [
        { name: HELLO, action: 'upgraded', from_version: '1.0-1', to_version: '1.1-1' },
        { name: DEP, action: 'installed', from_version: null, to_version: '1.0-1' },
      ]);
      assert.deepEqual(sorted(await sandbox.installed()), sorted(before));
      sandbox.cleanup();
    });

    it('applies security-only, then selected upgrades, reporting real progress', async () => {
      const { sandbox, backend } = await setup([`${HELLO}-1.0-1`, `${SEC}-1.0-1`]);
      assert.equal((await backend.listUpgrades()).length, 2);
      const ctx = createOperationContext();
      await backend.applyUpgrades({ names: null, securityOnly: true }, ctx);
      assert.deepEqual(
        (await backend.listUpgrades()).map((u) => u.name),
        [HELLO],
        'the upgrade list follows the database',
      );
      assert.deepEqual(sorted(await sandbox.installed()), { [HELLO]: '1.0-1', [SEC]: '1.1-1' });
      assert.ok(
        ctx.progress.some((p) => p > 0 && p < 100),
        `intermediate progress expected, got ${ctx.progress.join(',')}`,
      );
      assert.equal(ctx.progress.at(-1), 100);
      assert.ok(
        ctx.log.some((line) => line.includes(SEC)),
        'the log carries the package manager output',
      );

      await backend.applyUpgrades({ names: [HELLO], securityOnly: false }, createOperationContext());
      assert.deepEqual(sorted(await sandbox.installed()), { [DEP]: '1.0-1', [HELLO]: '1.1-1', [SEC]: '1.1-1' });
      assert.deepEqual(await backend.listUpgrades(), []);
      sandbox.cleanup();
    });

    it('installs pinned, updates by name, downgrades to a pinned version and removes', async () => {
      const { sandbox, backend, recorder } = await setup();
      await backend.install([{ name: HELLO, version: '1.0-1' }, { name: SEC }], createOperationContext());
      assert.deepEqual(sorted(await sandbox.installed()), { [HELLO]: '1.0-1', [SEC]: '1.1-1' });

      await backend.update(HELLO, undefined, createOperationContext());
      assert.deepEqual(sorted(await sandbox.installed()), { [DEP]: '1.0-1', [HELLO]: '1.1-1', [SEC]: '1.1-1' });

      // Rollback's inverse: downgrade to the old version, then remove the dependency it pulled in.
      await backend.install([{ name: HELLO, version: '1.0-1' }], createOperationContext());
      await backend.remove([DEP], createOperationContext());
      assert.deepEqual(sorted(await sandbox.installed()), { [HELLO]: '1.0-1', [SEC]: '1.1-1' });

      await backend.update(SEC, '1.0-1', createOperationContext());
      assert.equal((await sandbox.installed()).get(SEC), '1.0-1');

      // A pin with an epoch, and one without a release (any release of that version).
      await backend.install([{ name: EPOCH, version: '2:0.5-1' }], createOperationContext());
      await backend.update(SEC, '1.1', createOperationContext());
      assert.equal((await sandbox.installed()).get(EPOCH), '2:0.5-1');
      assert.equal((await sandbox.installed()).get(SEC), '1.1-1');

      const invocations = recorder.invocations.filter((i) => !i.file.endsWith('/rpm'));
      assert.ok(invocations.length > 0);
      for (const invocation of invocations) {
        assert.equal(invocation.file, options.expectedBinary(sandbox));
        assert.ok(invocation.args.includes(`--installroot=${sandbox.root}`), 'every run names the root');
        assert.ok(invocation.args.includes(`--config=${join(sandbox.root, 'etc/dnf/dnf.conf')}`), "the root's own config");
        assert.ok(invocation.args.includes(`--setopt=reposdir=${join(sandbox.root, 'etc/yum.repos.d')}`), "the root's repos");
        assert.equal(invocation.env?.HOME, join(sandbox.stateDir, 'backend', `${options.packageManager}-rpm-home`));
      }
      const mutations = invocations.filter((i) => i.args.includes('-y'));
      for (const mutation of mutations) {
        const separator = mutation.args.indexOf('--');
        assert.ok(separator > 0 && separator < mutation.args.length - 1, `package names follow "--": ${mutation.args.join(' ')}`);
      }
      sandbox.cleanup();
    });

    it('fails NOT_FOUND for a package or version no repository offers, changing nothing', async () => {
      const { sandbox, backend } = await setup([`${SEC}-1.0-1`]);
      const error = await rejectsWith('LPA_ERR_NOT_FOUND', () =>
        backend.install([{ name: 'lpa-fixture-missing' }], createOperationContext()),
      );
      assert.match(error.message, /lpa-fixture-missing/);
      await rejectsWith('LPA_ERR_NOT_FOUND', () =>
        backend.install([{ name: HELLO, version: '9.9-1' }], createOperationContext()),
      );
      await rejectsWith('LPA_ERR_NOT_FOUND', () => backend.remove([HELLO], createOperationContext()));
      assert.deepEqual(sorted(await sandbox.installed()), { [SEC]: '1.0-1' });
      sandbox.cleanup();
    });

    it('refuses hostile names and versions before starting any process', async () => {
      const { sandbox, backend, recorder } = await setup();
      for (const name of HOSTILE_PACKAGE_NAMES) {
        assert.notEqual(backend.validateName(name), null, JSON.stringify(name));
        await rejectsWith('LPA_ERR_VALIDATION', () => backend.install([{ name }], createOperationContext()));
        await rejectsWith('LPA_ERR_VALIDATION', () => backend.remove([name], createOperationContext()));
        await rejectsWith('LPA_ERR_VALIDATION', () => backend.update(name, undefined, createOperationContext()));
        await rejectsWith('LPA_ERR_VALIDATION', () => backend.getPackage(name));
        await rejectsWith('LPA_ERR_VALIDATION', () =>
          backend.applyUpgrades({ names: [name], securityOnly: false }, createOperationContext()),
        );
      }
      for (const version of HOSTILE_VERSIONS) {
        await rejectsWith('LPA_ERR_VALIDATION', () => backend.install([{ name: HELLO, version }], createOperationContext()));
        await rejectsWith('LPA_ERR_VALIDATION', () => backend.update(HELLO, version, createOperationContext()));
      }
      for (const glob of ['lpa-fixture-*', 'lpa-fixture-?ello', 'lpa-[a-z]']) {
        await rejectsWith('LPA_ERR_VALIDATION', () => backend.remove([glob], createOperationContext()));
      }
      assert.equal(recorder.invocations.length, 0, `processes started: ${JSON.stringify(recorder.argvs)}`);
      assert.equal(backend.validateName('python3.11-pip+extra_x'), null);
      assert.equal(backend.validateVersion('1:2.3.4~rc1^git5-7.el9'), null);
      sandbox.cleanup();
    });

    it('recomputes upgrades when a refresh brings changed metadata (advisories withdrawn)', async () => {
      const { sandbox, backend } = await setup([`${SEC}-1.0-1`]);
      const repo = join(sandbox.dir, 'own-repo');
      await cp(sandbox.repo, repo, { recursive: true });
      const repoFile = join(sandbox.root, 'etc/yum.repos.d/fixtures.repo');
      await writeFile(repoFile, (await readFile(repoFile, 'utf8')).replace(/^baseurl=.*$/m, `baseurl=file://${repo}`));
      await backend.refreshCache(createOperationContext());
      assert.equal((await backend.listUpgrades())[0]?.security, true);
      await runTool('/usr/bin/modifyrepo_c', ['--remove', 'updateinfo', join(repo, 'repodata')]);
      await backend.refreshCache(createOperationContext());
      const after = await backend.listUpgrades();
      assert.deepEqual(
        after.map((u) => [u.name, u.security, u.advisories]),
        [[SEC, null, []]],
        'without updateinfo the classification is unknown (null)',
      );
      sandbox.cleanup();
    });

    it('refreshes the index, records when, and reports download failures as fetch errors', async () => {
      const { sandbox, backend } = await setup();
      const refreshed = await backend.refreshCache(createOperationContext());
      assert.equal(typeof refreshed.output, 'string');
      const last = await backend.lastCacheUpdate();
      assert.ok(last instanceof Date && Math.abs(Date.now() - last.getTime()) < 10 * 60_000, `lastCacheUpdate ${String(last)}`);
      // A refresh that finds the metadata unchanged still counts as a refresh.
      await backend.refreshCache(createOperationContext());
      const again = await backend.lastCacheUpdate();
      assert.ok(again !== null && again.getTime() > last.getTime(), `${String(again)} after ${String(last)}`);

      const repoFile = join(sandbox.root, 'etc/yum.repos.d/fixtures.repo');
      const text = await readFile(repoFile, 'utf8');
      await writeFile(repoFile, text.replace(/^baseurl=.*$/m, `baseurl=file://${join(sandbox.dir, 'no-such-repo')}`));
      const error = await rejectsWith('LPA_ERR_FETCH', () => backend.refreshCache(createOperationContext()));
      assert.equal(backend.isFetchError(String(error.details?.output)), true);
      assert.equal(backend.isFetchError(refreshed.output), false);
      sandbox.cleanup();
    });

    it('waits for a lock held by another process, then fails naming its pid, never removing the lock file', async () => {
      const { sandbox, backend, recorder } = await setup();
      const lockFile = join(sandbox.root, 'var/lib/dnf/rpmdb_lock.pid');
      await mkdir(join(sandbox.root, 'var/lib/dnf'), { recursive: true });
      const holder = spawn('/usr/bin/sleep', ['300'], { stdio: 'ignore' });
      try {
        await writeFile(lockFile, String(holder.pid));
        assert.deepEqual(await backend.findLockHolder(), { path: lockFile, pid: holder.pid });
        // Reads need no database lock: they answer while another process holds it.
        assert.deepEqual(
          (await backend.listUpgrades()).map((u) => u.name),
          [],
        );
        assert.deepEqual(await backend.planInstall([{ name: SEC }]), [
          { name: SEC, action: 'installed', from_version: null, to_version: '1.1-1' },
        ]);
        const error = await rejectsWith('LPA_ERR_LOCKED', () =>
          backend.install([{ name: SEC }], createOperationContext({ lockWaitSeconds: 1 })),
        );
        assert.equal(error.details?.pid, holder.pid);
        assert.match(error.message, new RegExp(String(holder.pid)));
        assert.ok(existsSync(lockFile), 'the lock file of another process is never removed');
        const transactions = recorder.invocations.filter((i) => i.args.includes('-y'));
        assert.equal(transactions.length, 0, 'no transaction is started under a lock');

        // Within the wait: the install goes ahead once the holder is gone.
        const pending = backend.install([{ name: SEC }], createOperationContext({ lockWaitSeconds: 60 }));
        await waitFor('the install to reach the lock wait', () => recorder.invocations.some((i) => i.file.endsWith('/rpm')));
        holder.kill('SIGKILL');
        await pending;
        assert.equal((await sandbox.installed()).get(SEC), '1.1-1');
      } finally {
        holder.kill('SIGKILL');
      }
      sandbox.cleanup();
    });

    it('stops a transaction mid-scriptlet (process group killed), then repair reports the interrupted transaction', async () => {
      const { sandbox, backend } = await setup([`${SEC}-1.0-1`]);
      const ctx = createOperationContext();
      const pending = backend.install([{ name: SLOW }], ctx);
      const marker = join(sandbox.root, SLOW_STARTED_MARKER);
      await waitFor('the slow scriptlet to start', () => existsSync(marker), 120_000);
      ctx.controller.abort();
      await rejectsWith('LPA_ERR_CANCELLED', () => pending);
      assert.equal(await backend.findLockHolder(), null, 'a dead dnf holds no lock');

      const outcome = await backend.repair(createOperationContext());
      assert.equal(outcome.needed, true, 'the interrupted transaction is reported');
      assert.equal(outcome.consistent, true, outcome.output);
      // The database is usable again: the next transaction takes over dnf's stale lock file.
      await backend.update(SEC, undefined, createOperationContext());
      assert.equal((await sandbox.installed()).get(SEC), '1.1-1');
      sandbox.cleanup();
    });

    it('repairs nothing on a consistent database and says it is consistent', async () => {
      const { sandbox, backend } = await setup([`${SEC}-1.0-1`]);
      const outcome = await backend.repair(createOperationContext());
      assert.equal(outcome.needed, false);
      assert.equal(outcome.consistent, true);
      sandbox.cleanup();
    });

    it('reports a reboot when a reboot-class package was installed since boot (needs-restarting -r)', async () => {
      const { sandbox, backend } = await setup([`${HELLO}-1.0-1`]);
      assert.equal(await backend.rebootRequired(), false, 'no kernel/glibc/systemd-class package installed');
      const confDir = join(sandbox.root, 'etc/dnf/plugins/needs-restarting.d');
      await mkdir(confDir, { recursive: true });
      await writeFile(join(confDir, 'fixtures.conf'), `# packages needing a reboot\n${HELLO}\n`);
      assert.equal(await backend.rebootRequired(), true, `${HELLO} was installed after boot`);
      sandbox.cleanup();
    });

    it('passes --releasever from os-release only while no package provides system-release(releasever)', async () => {
      const { sandbox, backend, recorder } = await setup();
      const releaseArgs = () =>
        recorder.invocations.filter((i) => !i.file.endsWith('/rpm')).map((i) => i.args.find((a) => a.startsWith('--releasever')));
      await backend.install([{ name: RELEASE }], createOperationContext());
      assert.deepEqual(releaseArgs(), ['--releasever=40'], 'the root had no release package: os-release VERSION_ID');
      recorder.clear();
      await backend.install([{ name: SEC }], createOperationContext());
      assert.ok(releaseArgs().length > 0);
      assert.deepEqual([...new Set(releaseArgs())], [undefined], 'dnf derives it from the release package');
      assert.equal((await sandbox.installed()).get(SEC), '1.1-1');
      sandbox.cleanup();
    });

    it('reports the last change from rpm install times and the history, also for changes made outside the agent', async () => {
      const { sandbox, backend } = await setup();
      assert.equal(await backend.lastUpdateTime?.(), null, 'nothing installed, empty history');
      const beforeInstall = Math.floor(Date.now() / 1000) * 1000;
      await sandbox.dnf(['install', '--', `${HELLO}-1.0-1`]);
      const installed = await backend.lastUpdateTime?.();
      assert.ok(installed instanceof Date);
      assert.ok(installed.getTime() >= beforeInstall && installed.getTime() <= Date.now(), installed.toISOString());
      // A removal leaves no install time behind: the history's transaction (to the minute) says when.
      const beforeRemove = Math.floor(Date.now() / 60_000) * 60_000;
      await sandbox.dnf(['remove', '--', HELLO]);
      assert.equal((await sandbox.installed()).size, 0);
      const removed = await backend.lastUpdateTime?.();
      assert.ok(removed instanceof Date);
      assert.ok(removed.getTime() >= beforeRemove && removed.getTime() <= Date.now(), removed.toISOString());
    });

    it('orders versions like rpm', () => {
      return setup().then(({ sandbox, backend }) => {
        const ascending = ['1.0~rc1', '1.0', '1.0^git1', '1.0.1', '1.0.1-1', '1.0.1-2', '1:0.1'];
        for (let i = 0; i + 1 < ascending.length; i++) {
          assert.ok(backend.compareVersions(ascending[i]!, ascending[i + 1]!) < 0, `${ascending[i]} < ${ascending[i + 1]}`);
        }
        sandbox.cleanup();
      });
    });
  });
}
