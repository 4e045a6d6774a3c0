/**
 * The systemd unit each package installs, rendered from the one template per distribution, checked
 * with systemd's own tools (verify, and the offline security rating), and the OpenRC script.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { renderSystemdUnit } from '../../packaging/lib/systemd-unit.mjs';
import { TARGETS } from '../../packaging/lib/targets.mjs';
import { makeSandboxDir, runTool } from '../support/sandbox/common.js';
import { REPO_ROOT } from './support/build.js';
import { runAny } from './support/checks.js';

const UNIT = '/usr/lib/systemd/system/linux-patch-api.service';

/** A root holding the unit, a stand-in for the launcher, and the host's targets the unit refers to. */
async function verifyRoot(unit: string): Promise<string> {
  const root = join(makeSandboxDir('unit'), 'root');
  mkdirSync(join(root, 'usr/lib/systemd/system'), { recursive: true });
  mkdirSync(join(root, 'usr/bin'), { recursive: true });
  writeFileSync(join(root, UNIT), unit);
  writeFileSync(join(root, 'usr/bin/linux-patch-api'), '#!/bin/sh\n');
  chmodSync(join(root, 'usr/bin/linux-patch-api'), 0o755);
  const { stdout } = await runTool('/usr/bin/find', [
    '/lib/systemd/system',
    '/usr/lib/systemd/system',
    '-maxdepth',
    '1',
    '-name',
    '*.target',
  ]);
  for (const target of new Set(stdout.split('\n').filter(Boolean))) {
    const copy = join(root, 'usr/lib/systemd/system', target.split('/').pop()!);
    if (!existsSync(copy) && lstatSync(target).isFile()) writeFileSync(copy, readFileSync(target));
  }
  return root;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

for (const target of TARGETS.filter((t) => t.init === 'systemd')) {
  describe(`systemd unit (${target.id})`, () => {
    const unit = renderSystemdUnit(target);

    test('systemd-analyze verify accepts it without a warning', async () => {
      const root = await verifyRoot(unit);
      const { code, output } = await runAny('/usr/bin/systemd-analyze', ['verify', `--root=${root}`, UNIT]);
      assert.equal(code, 0, output);
      assert.equal(output.trim(), '', output);
    });

    test('has the required hardening and lets the package manager write where packages install', () => {
      for (const line of [
        'Restart=on-failure',
        'NoNewPrivileges=true',
        'ProtectSystem=strict',
        'ProtectHome=true',
        'PrivateTmp=true',
        'SystemCallFilter=@system-service chroot',
        'SystemCallArchitectures=native',
        'RestrictNamespaces=true',
        'LockPersonality=true',
        'ProtectControlGroups=true',
      ]) {
        assert.match(unit, new RegExp(`^${escapeRegExp(line)}$`, 'm'), line);
      }
      const writable = [...unit.matchAll(/^ReadWritePaths=(.*)$/gm)].flatMap((m) => m[1]!.split(/\s+/));
      for (const path of ['/etc', '/usr', '/var', '/boot', '/opt', '/run']) {
        assert.ok(writable.includes(path), `ReadWritePaths has ${path}`);
      }
      // Options that would break package management must stay off.
      for (const option of ['MemoryDenyWriteExecute', 'RestrictSUIDSGID', 'ProtectKernelModules', 'PrivateDevices']) {
        assert.doesNotMatch(unit, new RegExp(`^${option}=`, 'm'), option);
      }
      assert.match(unit, /^RestartForceExitStatus=75$/m, 'the self-restart exit code restarts the service');
    });

    test('systemd-analyze security --offline rates its exposure at 4.5 or better', async () => {
      const root = await verifyRoot(unit);
      const { output } = await runAny('/usr/bin/systemd-analyze', ['security', '--offline=true', join(root, UNIT)]);
      const match = /Overall exposure level for linux-patch-api\.service: (\d+\.\d+)/.exec(output);
      assert.ok(match, output);
      assert.ok(Number(match[1]) <= 4.5, `exposure ${match[1]}`);
    });
  });
}

test('the OpenRC script is valid sh and supervises the agent with restrictions', async () => {
  const script = join(REPO_ROOT, 'packaging/templates/linux-patch-api.openrc');
  await runTool('/bin/sh', ['-n', script]);
  const text = readFileSync(script, 'utf8');
  assert.match(text, /^#!\/sbin\/openrc-run$/m);
  assert.match(text, /^supervisor="supervise-daemon"$/m);
  assert.match(text, /^respawn_max=/m);
  assert.match(text, /^no_new_privs="yes"$/m);
  assert.match(text, /^capabilities="!cap_sys_admin,/m);
  assert.match(text, /check-config --config/);
});
