/**
 * EL7's yum 3 cannot run on this machine. These tests feed outputs captured from real yum 3 on
 * RHEL/CentOS 7 (plugins/backend-yum/test/fixtures/captured/el7/) to the parsers and, through the
 * core's TranscriptRunner, to the yum backend itself. rpm-qa-queryformat.tsv is the installed set
 * of the same host in the agent's rpm --queryformat, kept tab-separated for reading.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isLpaError } from '@linux-patch-api/core';
import { createOperationContext, silentLogger, type TranscriptEntry, TranscriptRunner } from '@linux-patch-api/core/testing';
import {
  isLockMessage,
  isRpmFetchError,
  lockPathFromOutput,
  lockPidFromOutput,
  parseHistoryList,
  parsePackageList,
  parseRpmQuery,
  parseTransactionPlan,
  parseUpdateinfoList,
  RPM_QUERY_FORMAT,
  RpmBackend,
  transactionProgress,
  YUM_TOOL,
} from '@linux-patch-api/rpm-common';

const FIXTURES = new URL('./fixtures/captured/el7/', import.meta.url);
const captured = (name: string): string => readFileSync(new URL(name, FIXTURES), 'utf8');
/** yum -q drops the "Loaded plugins" chatter the non-quiet captures carry. */
const quiet = (text: string): string =>
  text
    .split('\n')
    .filter((line) => !line.startsWith('Loaded plugins:'))
    .join('\n');
const rpmQaOutput = captured('rpm-qa-queryformat.tsv').replaceAll('\t', '\x1f');

const YUM = '/usr/bin/yum';
const BASE = ['--setopt=exit_on_lock=True'];

function yumBackend(entries: TranscriptEntry[]): { backend: RpmBackend; runner: TranscriptRunner } {
  const runner = new TranscriptRunner([
    { argv: ['/usr/bin/rpm', '-qa', '--queryformat', RPM_QUERY_FORMAT], stdout: rpmQaOutput, source: 'CentOS 7.9, rpm 4.11.3' },
    ...entries,
  ]);
  const backend = new RpmBackend({
    root: null,
    runner,
    logger: silentLogger,
    stateDir: join(tmpdir(), 'lpa-unused-state'),
    tool: YUM_TOOL,
  });
  return { backend, runner };
}

describe('EL7 yum 3 parsers on captured outputs', () => {
  it('reads check-update rows, joining wrapped long names and stopping at obsoletes', () => {
    const rows = parsePackageList(captured('check-update.txt'));
    assert.deepEqual(
      rows.map((row) => `${row.name}.${row.arch} ${row.evr} ${row.repository}`),
      [
        'NetworkManager.x86_64 1:1.18.8-2.el7_9 updates',
        'bind-libs.x86_64 32:9.11.4-26.P2.el7_9.15 updates',
        'bind-libs-lite.x86_64 32:9.11.4-26.P2.el7_9.15 updates',
        'java-1.8.0-openjdk-headless.x86_64 1:1.8.0.402.b06-1.el7_9 updates',
        'kernel.x86_64 3.10.0-1160.108.1.el7 updates',
        'python-perf.x86_64 3.10.0-1160.108.1.el7 updates',
        'selinux-policy-targeted.noarch 3.13.1-268.el7_9.2 updates',
      ],
    );
  });

  it('reads yum -q list installed (several kernels, @repo origins)', () => {
    const rows = parsePackageList(captured('list-installed.txt'));
    assert.equal(rows.length, 9);
    assert.deepEqual(
      rows.filter((row) => row.name === 'kernel').map((row) => row.evr),
      ['3.10.0-1160.el7', '3.10.0-1160.105.1.el7'],
    );
    assert.deepEqual(rows[0], { name: 'GeoIP', arch: 'x86_64', evr: '1.5.0-14.el7', repository: '@base' });
  });

  it('reads updateinfo list security and cves with severities and epochs in the NEVRA', () => {
    const security = parseUpdateinfoList(captured('updateinfo-list-security.txt'));
    assert.equal(security.length, 5);
    assert.deepEqual(security[0], {
      id: 'RHSA-2023:7877',
      security: true,
      severity: 'Moderate',
      type: 'security',
      package: { name: 'bind-libs', evr: '32:9.11.4-26.P2.el7_9.15', arch: 'x86_64' },
    });
    assert.deepEqual(
      security.map((row) => row.severity),
      ['Moderate', 'Moderate', 'Important', 'Important', 'Critical'],
    );
    const cves = parseUpdateinfoList(captured('updateinfo-list-cves.txt'));
    assert.deepEqual(
      cves.filter((row) => row.package.name === 'kernel').map((row) => row.id),
      ['CVE-2023-4622', 'CVE-2023-4921'],
    );
    const all = parseUpdateinfoList(captured('updateinfo-list-updates.txt'));
    assert.deepEqual(
      all.map((row) => `${row.type}:${row.security}`),
      ['bugfix:false', 'security:true', 'security:true', 'security:true', 'security:true', 'security:true', 'enhancement:false'],
    );
  });

  it('plans from the --assumeno transaction table (Updating / Installing for dependencies / install-only kernel removal)', () => {
    const installed = new Map(parseRpmQuery(rpmQaOutput).map((pkg) => [pkg.name, pkg.version]));
    assert.deepEqual(parseTransactionPlan(captured('update-assumeno.txt'), installed), [
      { name: 'kernel', action: 'installed', from_version: null, to_version: '3.10.0-1160.108.1.el7' },
      { name: 'bind-libs', action: 'upgraded', from_version: '32:9.11.4-16.P2.el7_8.6', to_version: '32:9.11.4-26.P2.el7_9.15' },
      { name: 'python-perf', action: 'upgraded', from_version: '3.10.0-1160.105.1.el7', to_version: '3.10.0-1160.108.1.el7' },
      { name: 'bind-license', action: 'installed', from_version: null, to_version: '32:9.11.4-26.P2.el7_9.15' },
      { name: 'kernel', action: 'removed', from_version: '3.10.0-1062.el7', to_version: null },
    ]);
  });

  it('turns the transaction steps into rising progress that ends at 100', () => {
    const steps = captured('update-transaction.txt')
      .split('\n')
      .map((line) => transactionProgress(line))
      .filter((step) => step !== null);
    assert.equal(steps.length, 12);
    const percents = steps.map((step) => step.percent);
    assert.deepEqual(
      percents,
      [...percents].sort((a, b) => a - b),
    );
    assert.equal(percents.at(-1), 100);
    assert.ok((percents[0] ?? 0) > 0);
  });

  it('reads yum history list: newest first, altered counts and flags (## = did not finish)', () => {
    const rows = parseHistoryList(captured('history-list.txt'));
    assert.deepEqual(
      rows.map((row) => `${row.id} ${row.actions} ${row.altered} ${row.flags}`),
      ['14 I, U 12 ##', '13 Update 7 ', '12 Install 1 E', '11 Erase 1 <', '10 Install 312 >'],
    );
    assert.equal(rows[0]?.who, 'admin <admin>');
    assert.equal(rows[0]?.date, '2024-02-01 10:12');
  });

  it('recognises the lock messages with the holder pid, and download failures', () => {
    for (const name of ['lock-waiting.txt', 'lock-exit.txt']) {
      const text = captured(name);
      assert.equal(isLockMessage(text), true, name);
      assert.equal(lockPidFromOutput(text), 1234, name);
      assert.equal(lockPathFromOutput(text), '/var/run/yum.pid', name);
    }
    assert.equal(isRpmFetchError(captured('makecache-fetch-error.txt')), true);
    assert.equal(isRpmFetchError(captured('update-transaction.txt')), false);
    assert.equal(isRpmFetchError(captured('check-update.txt')), false);
  });
});

describe('yum backend driven by EL7 transcripts', () => {
  it('lists installed packages from rpm -qa: epochs kept, gpg-pubkey skipped, newest kernel shown', async () => {
    const { backend } = yumBackend([]);
    const packages = await backend.listInstalled();
    assert.ok(!packages.some((pkg) => pkg.name === 'gpg-pubkey'));
    assert.deepEqual(
      packages.filter((pkg) => pkg.name === 'kernel').map((pkg) => pkg.version),
      ['3.10.0-1160.105.1.el7'],
    );
    assert.equal(packages.find((pkg) => pkg.name === 'bind-libs')?.version, '32:9.11.4-16.P2.el7_8.6');
    assert.equal(packages.find((pkg) => pkg.name === 'yum')?.description, 'RPM package installer/updater/manager');
  });

  it('lists upgrades with advisories, CVEs and severities (check-update exit 100 is not an error)', async () => {
    const { backend, runner } = yumBackend([
      { argv: [YUM, ...BASE, '-C', '-q', 'check-update'], stdout: quiet(captured('check-update.txt')), exitCode: 100 },
      {
        argv: [YUM, ...BASE, '-C', '-q', 'updateinfo', 'list', 'updates'],
        stdout: quiet(captured('updateinfo-list-updates.txt')),
      },
      {
        argv: [YUM, ...BASE, '-C', '-q', 'updateinfo', 'list', 'updates', 'cves'],
        stdout: quiet(captured('updateinfo-list-cves.txt')),
      },
    ]);
    const upgrades = new Map((await backend.listUpgrades()).map((upgrade) => [upgrade.name, upgrade]));
    assert.equal(upgrades.size, 7);
    assert.deepEqual(upgrades.get('kernel'), {
      name: 'kernel',
      current_version: '3.10.0-1160.105.1.el7',
      available_version: '3.10.0-1160.108.1.el7',
      architecture: 'x86_64',
      security: true,
      severity: 'Important',
      advisories: ['RHSA-2024:0346', 'CVE-2023-4622', 'CVE-2023-4921'],
      repository: 'updates',
      held_back: null,
      // The one advisory format: the CVE rows of the same kernel build belong to its security advisory.
      advisory_records: [
        {
          id: 'RHSA-2024:0346',
          type: 'security',
          severity: 'high',
          severity_raw: 'Important',
          cves: ['CVE-2023-4622', 'CVE-2023-4921'],
          source: 'updateinfo',
          url: null,
          issued: null,
        },
      ],
    });
    assert.equal(upgrades.get('java-1.8.0-openjdk-headless')?.severity, 'Critical');
    assert.deepEqual(upgrades.get('NetworkManager')?.advisories, ['RHBA-2023:7861']);
    assert.deepEqual(
      upgrades.get('NetworkManager')?.advisory_records?.map((record) => [record.id, record.type, record.severity, record.cves]),
      [['RHBA-2023:7861', 'bugfix', 'unknown', []]],
    );
    assert.equal(upgrades.get('NetworkManager')?.security, false);
    assert.equal(upgrades.get('selinux-policy-targeted')?.security, false);
    assert.equal(upgrades.get('bind-libs-lite')?.current_version, '', 'not installed on that host: no current version');
    assert.ok(runner.argvs.every((argv) => argv[0] === YUM || argv[0] === '/usr/bin/rpm'));
  });

  it('plans an update with --assumeno and uses yum 3 spellings', async () => {
    const { backend } = yumBackend([
      { argv: [YUM, ...BASE, '-C', '--assumeno', 'update', '--security'], stdout: captured('update-assumeno.txt'), exitCode: 1 },
    ]);
    const plan = await backend.planUpgrades({ names: null, securityOnly: true });
    assert.equal(plan.length, 5);
    assert.deepEqual(plan[1], {
      name: 'bind-libs',
      action: 'upgraded',
      from_version: '32:9.11.4-16.P2.el7_8.6',
      to_version: '32:9.11.4-26.P2.el7_9.15',
    });
  });

  it('fails LOCKED naming yum.pid and the holder pid when yum exits on the lock', async () => {
    const { backend } = yumBackend([
      { argv: [YUM, ...BASE, '-y', 'update', '--', 'kernel'], stdout: captured('lock-exit.txt'), exitCode: 200 },
    ]);
    try {
      await backend.applyUpgrades({ names: ['kernel'], securityOnly: false }, createOperationContext({ lockWaitSeconds: 0 }));
      assert.fail('expected LOCKED');
    } catch (error) {
      assert.ok(isLpaError(error, 'LPA_ERR_LOCKED'), String(error));
      assert.deepEqual(error.details, { path: '/var/run/yum.pid', pid: 1234 });
    }
  });

  it('reports a failed refresh as a fetch error', async () => {
    const { backend } = yumBackend([
      { argv: [YUM, ...BASE, 'makecache'], stderr: captured('makecache-fetch-error.txt'), exitCode: 1 },
    ]);
    try {
      await backend.refreshCache(createOperationContext());
      assert.fail('expected FETCH');
    } catch (error) {
      assert.ok(isLpaError(error, 'LPA_ERR_FETCH'), String(error));
    }
  });
});
