import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isLpaError } from '@linux-patch-api/core';
import { createOperationContext } from '@linux-patch-api/core/testing';
import {
  createAptSandbox,
  DEP,
  HELLO,
  holdFcntlLock,
  SEC,
  SLOW,
  SLOW_STARTED_MARKER,
} from '../../../test/support/sandbox/apt.js';
import { fingerprintFile, runTool } from '../../../test/support/sandbox/common.js';
import { aptBackendOn, waitFor } from './helpers.js';

const HOST_FILES = ['/var/lib/dpkg/status', '/var/log/dpkg.log', '/var/log/apt/history.log', '/var/log/apt/term.log'];
const hostBefore = new Map(HOST_FILES.map((path) => [path, fingerprintFile(path)]));

after(() => {
  for (const path of HOST_FILES) assert.equal(fingerprintFile(path), hostBefore.get(path), `the host's ${path} changed`);
});

function versions(map: Map<string, string>): Record<string, string> {
  return Object.fromEntries([...map].sort());
}

async function rejectsWith(code: string, action: () => Promise<unknown>): Promise<Error & { details?: Record<string, unknown> }> {
  try {
    await action();
  } catch (error) {
    assert.ok(isLpaError(error), `expected an LpaError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return error;
  }
  assert.fail(`expected ${code}, but it resolved`);
}

describe('AptBackend on a sandbox root', () => {
  it('lists exactly what dpkg-query -W lists, with dpkg fields', async () => {
    const sandbox = await createAptSandbox({ install: [`${HELLO}=1.1-1`, `${SEC}=1.0-1`] });
    const { backend } = await aptBackendOn(sandbox);
    const listed = await backend.listInstalled();
    assert.deepEqual(versions(new Map(listed.map((p) => [p.name, p.version]))), versions(await sandbox.dpkgQuery()));
    const hello = listed.find((p) => p.name === HELLO);
    assert.deepEqual(hello, {
      name: HELLO,
      version: '1.1-1',
      architecture: 'all',
      status: 'installed',
      description: `linux-patch-api test fixture ${HELLO}`,
      installed_size: 8 * 1024,
    });
    sandbox.dispose();
  });

  it('installs pinned versions with real progress, plans and applies upgrades, classifies security', async () => {
    const sandbox = await createAptSandbox();
    const { backend } = await aptBackendOn(sandbox);

    const plan = await backend.planInstall([
      { name: HELLO, version: '1.0-1' },
      { name: SEC, version: '1.0-1' },
    ]);
    assert.deepEqual(plan.map((c) => `${c.name}:${c.action}:${c.to_version}`).sort(), [
      `${HELLO}:installed:1.0-1`,
      `${SEC}:installed:1.0-1`,
    ]);
    assert.deepEqual(versions(await sandbox.dpkgQuery()), {}, 'planning installed something');

    const ctx = createOperationContext();
    const out = await backend.install(
      [
        { name: HELLO, version: '1.0-1' },
        { name: SEC, version: '1.0-1' },
      ],
      ctx,
    );
    assert.match(out.output, /Setting up lpa-fixture-hello \(1\.0-1\)/);
    assert.deepEqual(versions(await sandbox.dpkgQuery()), { [HELLO]: '1.0-1', [SEC]: '1.0-1' });
    assert.ok(ctx.progress.length >= 2, `progress from the status fd: ${ctx.progress}`);
    assert.deepEqual(
      [...ctx.progress].sort((a, b) => a - b),
      ctx.progress,
      'progress went backwards',
    );
    assert.equal(ctx.progress.at(-1), 100);
    assert.ok(
      ctx.log.some((line) => line.includes('Unpacking')),
      'the output reaches onLog',
    );

    const upgrades = await backend.listUpgrades();
    assert.deepEqual(upgrades.map((u) => [u.name, u.current_version, u.available_version, u.security]).sort(), [
      [HELLO, '1.0-1', '1.1-1', false],
      [SEC, '1.0-1', '1.1-1', true],
    ]);
    assert.equal(upgrades.find((u) => u.name === SEC)?.repository, 'stable-security');
    const details = await backend.getPackage(HELLO);
    assert.equal(details?.upgradable, true);
    assert.equal(details?.available_version, '1.1-1');
    assert.equal(await backend.getPackage(DEP), null);

    const all = await backend.planUpgrades({ names: null, securityOnly: false });
    assert.deepEqual(all.map((c) => `${c.name}:${c.action}:${c.from_version}>${c.to_version}`).sort(), [
      `${DEP}:installed:null>1.0-1`,
      `${HELLO}:upgraded:1.0-1>1.1-1`,
      `${SEC}:upgraded:1.0-1>1.1-1`,
    ]);
    const securityPlan = await backend.planUpgrades({ names: null, securityOnly: true });
    assert.deepEqual(
      securityPlan.map((c) => c.name),
      [SEC],
    );

    const dryBefore = versions(await sandbox.dpkgQuery());
    await backend.planUpgrades({ names: [HELLO], securityOnly: false });
    assert.deepEqual(versions(await sandbox.dpkgQuery()), dryBefore, 'a plan changed the root');

    await backend.applyUpgrades({ names: null, securityOnly: true }, createOperationContext());
    assert.deepEqual(versions(await sandbox.dpkgQuery()), { [HELLO]: '1.0-1', [SEC]: '1.1-1' }, 'security-only touched more');
    assert.deepEqual(
      (await backend.listUpgrades()).map((u) => u.name),
      [HELLO],
      'the upgrade list was not refreshed',
    );

    await backend.applyUpgrades({ names: null, securityOnly: false }, createOperationContext());
    assert.deepEqual(versions(await sandbox.dpkgQuery()), { [DEP]: '1.0-1', [HELLO]: '1.1-1', [SEC]: '1.1-1' });
    assert.deepEqual(await backend.listUpgrades(), []);
    sandbox.dispose();
  });

  it('updates one package, downgrades to a pinned version, removes, and refuses what is not installed', async () => {
    const sandbox = await createAptSandbox({ install: [`${HELLO}=1.0-1`, `${SEC}=1.0-1`] });
    const { backend, recorder } = await aptBackendOn(sandbox);
    await backend.update(HELLO, undefined, createOperationContext());
    assert.deepEqual(
      versions(await sandbox.dpkgQuery()),
      { [DEP]: '1.0-1', [HELLO]: '1.1-1', [SEC]: '1.0-1' },
      'update touched others',
    );
    const updateCall = recorder.argvs.filter((argv) => argv[0] === '/usr/bin/apt-get' && !argv.includes('--print-uris')).at(-1)!;
    assert.deepEqual(updateCall.slice(-4), ['install', '--only-upgrade', '--', HELLO]);
    // The upgrade list is recomputed in the background right after apt ran: reading it joins that
    // computation and starts no listing of its own.
    const isUpdateCall = (argv: string[]) => argv[0] === '/usr/bin/apt-get' && argv.includes('--only-upgrade');
    const afterUpdate = recorder.argvs.slice(recorder.argvs.findLastIndex(isUpdateCall) + 1);
    assert.deepEqual(afterUpdate[0]?.slice(0, 3), ['/usr/bin/apt', 'list', '--upgradable']);
    assert.deepEqual(
      (await backend.listUpgrades()).map((u) => u.name),
      [SEC],
    );
    const listings = (argvs: string[][]) => argvs.filter((argv) => argv[1] === 'list').length;
    assert.equal(listings(recorder.argvs.slice(recorder.argvs.findLastIndex(isUpdateCall) + 1)), 1);
    const runs = recorder.invocations.length;
    await backend.listUpgrades();
    assert.equal(recorder.invocations.length, runs);

    await backend.update(HELLO, '1.0-1', createOperationContext());
    assert.equal((await sandbox.dpkgQuery()).get(HELLO), '1.0-1');

    const removal = await backend.planRemove([DEP]);
    assert.deepEqual(removal, [{ name: DEP, action: 'removed', from_version: '1.0-1', to_version: null }]);
    await backend.remove([DEP], createOperationContext());
    assert.deepEqual(versions(await sandbox.dpkgQuery()), { [HELLO]: '1.0-1', [SEC]: '1.0-1' });

    // The removal starts a background recomputation of the upgrade list; wait for it, so that
    // only processes started for the refused requests could be counted below.
    await backend.listUpgrades();
    const calls = recorder.invocations.length;
    await rejectsWith('LPA_ERR_NOT_FOUND', () => backend.remove([DEP], createOperationContext()));
    await rejectsWith('LPA_ERR_NOT_FOUND', () => backend.update(DEP, undefined, createOperationContext()));
    assert.equal(recorder.invocations.length, calls, 'a process ran for a package that is not installed');
    const unknown = await rejectsWith('LPA_ERR_NOT_FOUND', () =>
      backend.install([{ name: 'lpa-fixture-nonexistent' }], createOperationContext()),
    );
    assert.match(unknown.message, /Unable to locate package lpa-fixture-nonexistent/);
    await rejectsWith('LPA_ERR_NOT_FOUND', () => backend.planInstall([{ name: HELLO, version: '9.9-9' }]));
    sandbox.dispose();
  });

  it('refreshes the package lists, records when, and reports download failures as fetch errors', async () => {
    const sandbox = await createAptSandbox({ update: false });
    const { backend } = await aptBackendOn(sandbox);
    assert.deepEqual(await backend.listUpgrades(), []);
    const started = Date.now();
    await backend.refreshCache(createOperationContext());
    const last = await backend.lastCacheUpdate();
    assert.ok(last !== null && last.getTime() >= started - 1000, `lastCacheUpdate ${last?.toISOString()}`);
    assert.ok((await backend.planInstall([{ name: HELLO }])).some((c) => c.name === HELLO && c.to_version === '1.1-1'));

    await writeFile(
      join(sandbox.root, 'etc/apt/sources.list.d/missing.list'),
      `deb [trusted=yes] file:${sandbox.dir}/no-repo ./\n`,
    );
    const error = await rejectsWith('LPA_ERR_FETCH', () => backend.refreshCache(createOperationContext()));
    const output = ((error.details?.output ?? []) as string[]).join('\n');
    assert.match(output, /Failed to fetch|Some index files failed/);
    assert.equal(backend.isFetchError(output), true);
    assert.equal(backend.isFetchError('Reading package lists...\nBuilding dependency tree...'), false);
    assert.equal(backend.isFetchError('Get:1 file:/srv/repo ./ lpa-fixture-hello 1.0-1 [404 B]'), false, 'a 404-byte download');
    assert.equal(
      backend.isFetchError(
        'Err:1 http://deb.debian.org/debian bookworm/main amd64 curl amd64 7.88.1-10\n  404  Not Found [IP: 151.101.2.132 80]',
      ),
      true,
    );
    sandbox.dispose();
  });

  it("waits a bounded time for another process's dpkg lock, then fails LOCKED naming it, and leaves the lock alone", async () => {
    const sandbox = await createAptSandbox();
    const { backend } = await aptBackendOn(sandbox);
    const lockFile = join(sandbox.root, 'var/lib/dpkg/lock-frontend');
    const holder = await holdFcntlLock(lockFile);
    try {
      assert.deepEqual(await backend.findLockHolder(), { path: lockFile, pid: holder.pid });
      const ctx = createOperationContext({ lockWaitSeconds: 1 });
      const error = await rejectsWith('LPA_ERR_LOCKED', () => backend.install([{ name: HELLO }], ctx));
      assert.ok(
        ctx.log.some((line) => line.includes('Waiting for cache lock')),
        'apt did not wait for the lock',
      );
      assert.equal(error.details?.pid, holder.pid);
      assert.equal(error.details?.path, lockFile);
      assert.match(error.message, new RegExp(`process ${holder.pid}`));
      assert.deepEqual(versions(await sandbox.dpkgQuery()), {});
      assert.ok(existsSync(lockFile), 'the lock file was removed');
      assert.deepEqual(await backend.findLockHolder(), { path: lockFile, pid: holder.pid }, 'the lock was taken away');
    } finally {
      await holder.release();
    }
    await waitFor('the lock to be released', async () => (await backend.findLockHolder()) === null);
    await backend.install([{ name: HELLO }], createOperationContext());
    assert.equal((await sandbox.dpkgQuery()).get(HELLO), '1.1-1');
    sandbox.dispose();
  });

  it("waits for apt's lists lock too (apt-get update does not), then refreshes once the holder lets go", async () => {
    const sandbox = await createAptSandbox({ update: false });
    const { backend, recorder } = await aptBackendOn(sandbox);
    const listsLock = join(sandbox.root, 'var/lib/apt/lists/lock');
    const holder = await holdFcntlLock(listsLock);
    try {
      const error = await rejectsWith('LPA_ERR_LOCKED', () =>
        backend.refreshCache(createOperationContext({ lockWaitSeconds: 1 })),
      );
      assert.equal(error.details?.pid, holder.pid);
      assert.equal(error.details?.path, listsLock);
      // Let go as soon as apt has failed on the lock once: the backend must wait and run it again.
      const before = recorder.invocations.length;
      const ctx = createOperationContext({
        lockWaitSeconds: 60,
        onLog: (line) => {
          if (/Could not get lock/.test(line)) void holder.release();
        },
      });
      await backend.refreshCache(ctx);
      const updates = recorder.argvs.slice(before).filter((argv) => argv.at(-1) === 'update');
      assert.equal(updates.length, 2, 'apt-get update was not retried after the lock was released');
    } finally {
      await holder.release();
    }
    assert.ok((await backend.planInstall([{ name: HELLO }])).length > 0, 'the lists were not refreshed');
    sandbox.dispose();
  });

  it('stops apt and dpkg together when cancelled mid-install, then repairs the half-configured package', async () => {
    const sandbox = await createAptSandbox({ withShell: true });
    const { backend } = await aptBackendOn(sandbox);
    const ctx = createOperationContext();
    const marker = join(sandbox.root, SLOW_STARTED_MARKER);
    const running = backend.install([{ name: SLOW }], ctx);
    const outcome = running.then(
      () => null,
      (error: unknown) => error,
    );
    await waitFor('the postinst to start', () => existsSync(marker));
    ctx.controller.abort();
    const error = await outcome;
    assert.ok(isLpaError(error, 'LPA_ERR_CANCELLED'), String(error));
    await waitFor('dpkg to let go of its lock', async () => (await backend.findLockHolder()) === null, 30_000);
    const { stdout: dpkgState } = await runTool('/usr/bin/dpkg-query', [
      `--admindir=${sandbox.root}/var/lib/dpkg`,
      '-W',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a dpkg-query format, not a template
      '-f=${db:Status-Status}',
      SLOW,
    ]);
    assert.match(dpkgState, /^(half-configured|unpacked)$/);
    assert.equal((await backend.listInstalled()).find((p) => p.name === SLOW)?.status, dpkgState, 'the journal was not read');
    assert.notEqual((await sandbox.dpkgAudit()).trim(), '', 'dpkg --audit saw nothing to repair');

    const repaired = await backend.repair(createOperationContext());
    assert.equal(repaired.needed, true);
    assert.equal(repaired.consistent, true, repaired.output);
    assert.equal((await sandbox.dpkgAudit()).trim(), '');
    assert.equal((await backend.listInstalled()).find((p) => p.name === SLOW)?.status, 'installed');
    assert.deepEqual(await backend.repair(createOperationContext()), { needed: false, consistent: true, output: '' });
    sandbox.dispose();
  });

  it('a timeout stops the whole apt/dpkg process group and fails TIMEOUT', async () => {
    const sandbox = await createAptSandbox({ withShell: true });
    const { backend } = await aptBackendOn(sandbox);
    const error = await rejectsWith('LPA_ERR_TIMEOUT', () =>
      backend.install([{ name: SLOW }], createOperationContext({ timeoutMs: 3000 })),
    );
    assert.match(error.message, /did not finish/);
    assert.ok(existsSync(join(sandbox.root, SLOW_STARTED_MARKER)), 'the postinst never ran');
    // dpkg and the postinst's sleep got the SIGTERM too: nobody holds the dpkg lock any more.
    await waitFor('dpkg to be gone', async () => (await backend.findLockHolder()) === null, 30_000);
    assert.notEqual((await sandbox.dpkgAudit()).trim(), '');
    assert.equal((await backend.repair(createOperationContext())).consistent, true);
    sandbox.dispose();
  });

  it('reports a pending reboot from the root, not from the host', async () => {
    const sandbox = await createAptSandbox({ update: false });
    const { backend } = await aptBackendOn(sandbox);
    assert.equal(await backend.rebootRequired(), false);
    await mkdir(join(sandbox.root, 'var/run'), { recursive: true });
    await writeFile(join(sandbox.root, 'var/run/reboot-required'), '*** System restart required ***\n');
    assert.equal(await backend.rebootRequired(), true);
    sandbox.dispose();
  });

  it('refuses option-injection and apt-syntax names before any process starts', async () => {
    const sandbox = await createAptSandbox({ install: [`${HELLO}=1.0-1`] });
    const { backend, recorder } = await aptBackendOn(sandbox);
    const marker = join(sandbox.dir, 'MARKER');
    const hostile = [
      `-oAPT::Update::Pre-Invoke::=touch ${marker}`,
      'foo+',
      `${HELLO}-`,
      '*',
      `$(touch ${marker})`,
      `${HELLO}=1.1-1`,
      'x/stable',
    ];
    const calls = recorder.invocations.length;
    for (const name of hostile) {
      await rejectsWith('LPA_ERR_VALIDATION', () => backend.install([{ name }], createOperationContext()));
      await rejectsWith('LPA_ERR_VALIDATION', () => backend.remove([name], createOperationContext()));
      await rejectsWith('LPA_ERR_VALIDATION', () => backend.update(name, undefined, createOperationContext()));
      await rejectsWith('LPA_ERR_VALIDATION', () =>
        backend.applyUpgrades({ names: [name], securityOnly: false }, createOperationContext()),
      );
      await rejectsWith('LPA_ERR_VALIDATION', () => backend.planInstall([{ name }]));
      await rejectsWith('LPA_ERR_VALIDATION', () => backend.planRemove([name]));
      await rejectsWith('LPA_ERR_VALIDATION', () => backend.getPackage(name));
    }
    await rejectsWith('LPA_ERR_VALIDATION', () =>
      backend.install([{ name: HELLO, version: `-oAPT::Update::Pre-Invoke::=touch ${marker}` }], createOperationContext()),
    );
    assert.equal(recorder.invocations.length, calls, `processes started: ${JSON.stringify(recorder.argvs.slice(calls))}`);
    // A real refresh runs apt's update hooks: an injected Pre-Invoke would have fired here.
    await backend.refreshCache(createOperationContext());
    assert.equal(existsSync(marker), false, 'MARKER appeared');
    assert.deepEqual(versions(await sandbox.dpkgQuery()), { [HELLO]: '1.0-1' });
    sandbox.dispose();
  });
});

describe('APT_CONFIG for backend.root', () => {
  let sandbox: Awaited<ReturnType<typeof createAptSandbox>>;
  before(async () => {
    sandbox = await createAptSandbox({ update: false });
  });
  after(() => sandbox.dispose());

  it("makes apt read the root's apt.conf.d and sources, never the host's", async () => {
    const { backend, recorder } = await aptBackendOn(sandbox);
    await writeFile(join(sandbox.root, 'etc/apt/apt.conf.d/99probe'), 'LpaProbe::FromRoot "yes";\n');
    await backend.planUpgrades({ names: null, securityOnly: false });
    const env = recorder.invocations[0]?.env;
    assert.ok(env?.APT_CONFIG, 'the backend did not set APT_CONFIG');
    const { stdout } = await runTool('/usr/bin/apt-config', ['dump'], { env: { APT_CONFIG: env.APT_CONFIG } });
    assert.match(stdout, /^LpaProbe::FromRoot "yes";$/m);
    assert.match(stdout, new RegExp(`^Dir::Etc "${sandbox.root}/etc/apt/";$`, 'm'));
    assert.match(stdout, new RegExp(`^Dir::State::status "${sandbox.root}/var/lib/dpkg/status";$`, 'm'));
    assert.match(stdout, new RegExp(`"--root=${sandbox.root}";`));
    assert.match(stdout, new RegExp(`"--log=${sandbox.root}/var/log/dpkg.log";`));
    // Settings only the host's /etc/apt/apt.conf.d carries must be absent.
    const { stdout: host } = await runTool('/usr/bin/apt-config', ['dump']);
    const hostOnly = host
      .split('\n')
      .filter((line) => /^(DPkg::Pre-Invoke|DPkg::Post-Invoke|APT::Update::Post-Invoke)/.test(line));
    for (const line of hostOnly) assert.ok(!stdout.includes(line), `host setting leaked: ${line}`);
  });
});
