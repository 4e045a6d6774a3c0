/**
 * `npm run bench -- unit-security`: systemd's own exposure rating (`systemd-analyze security
 * --offline=true`) of each distro's rendered unit, side by side with the same service without any
 * hardening. Goal: 4.5 or better.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderSystemdUnit } from '../packaging/lib/systemd-unit.mjs';
import { TARGETS } from '../packaging/lib/targets.mjs';

const GOAL = 4.5;
const UNHARDENED = `[Unit]
Description=linux-patch-api without hardening (baseline)

[Service]
ExecStart=/usr/bin/linux-patch-api --config /etc/linux_patch_api/config.yaml
Restart=on-failure

[Install]
WantedBy=multi-user.target
`;

function analyze(unitPath: string): { exposure: number; findings: string[] } {
  // Exits non-zero when the threshold is exceeded; the report is on stdout either way.
  const result = spawnSync('systemd-analyze', ['security', '--offline=true', '--no-pager', unitPath], { encoding: 'utf8' });
  const output = `${result.stdout}${result.stderr}`;
  const match = /Overall exposure level for \S+: (\d+\.\d+)/.exec(output);
  if (!match) throw new Error(`systemd-analyze gave no rating:\n${output}`);
  const findings = output
    .split('\n')
    .filter((line) => line.startsWith('✗'))
    .map((line) => {
      const columns = line
        .slice(2)
        .trim()
        .split(/\s{2,}/);
      return { name: columns[0] ?? '', weight: Number(columns[columns.length - 1]) };
    })
    .filter((finding) => finding.weight >= 0.2)
    .sort((a, b) => b.weight - a.weight)
    .map((finding) => `${finding.name} (${finding.weight})`);
  return { exposure: Number(match[1]), findings };
}

const dir = mkdtempSync(join(tmpdir(), 'lpa-unit-security-'));
try {
  console.log(execFileSync('systemd-analyze', ['--version'], { encoding: 'utf8' }).split('\n')[0]);
  const baselinePath = join(dir, 'linux-patch-api.service');
  writeFileSync(baselinePath, UNHARDENED);
  const baseline = analyze(baselinePath).exposure;
  console.log(`unhardened baseline: exposure ${baseline.toFixed(1)}\n`);
  let worst = 0;
  for (const target of TARGETS.filter((t) => t.init === 'systemd')) {
    const targetDir = join(dir, target.id);
    mkdirSync(targetDir);
    const unitPath = join(targetDir, 'linux-patch-api.service');
    writeFileSync(unitPath, renderSystemdUnit(target));
    const { exposure, findings } = analyze(unitPath);
    worst = Math.max(worst, exposure);
    console.log(
      `${target.id.padEnd(8)} exposure ${exposure.toFixed(1)} (goal <= ${GOAL}: ${exposure <= GOAL ? 'met' : 'MISSED'}), ` +
        `${(exposure / baseline).toFixed(2)}x the unhardened unit`,
    );
    console.log(`         largest remaining: ${findings.slice(0, 6).join(', ')}`);
  }
  console.log(`\nworst unit: ${worst.toFixed(1)} of 10 (${worst <= GOAL ? 'goal met' : 'goal missed'})`);
  if (worst > GOAL) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
