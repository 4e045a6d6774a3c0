// Builds the requested native packages from the monorepo as it is now.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildApk } from './format-apk.mjs';
import { buildDeb } from './format-deb.mjs';
import { buildPacman } from './format-pacman.mjs';
import { buildRpm } from './format-rpm.mjs';
import { REPO_ROOT } from './paths.mjs';
import { run } from './run.mjs';
import { installCommonBase, packWorkspaces, stageTarget, withWorkspaceDependencies } from './stage.mjs';
import { architectureNames, findTarget, TARGETS } from './targets.mjs';

const BUILDERS = { deb: buildDeb, rpm: buildRpm, pacman: buildPacman, apk: buildApk };

export const DESCRIPTION = [
  'Package and patch management agent with a mutual-TLS REST API',
  'linux-patch-api lets an administrator list, install, update and remove',
  'packages and apply patches on this host through a REST API over mutual TLS,',
  'with jobs followed live over a WebSocket, rollback and an audit trail.',
  '',
  "This package holds the agent's core, the backend for this distribution's",
  'package manager and the audit plugins that fit it.',
];

/**
 * Options: `outDir`, `targets` (ids; default all), `skipBuild` (reuse existing dist/ output),
 * `bundle` (default true: see bundle.mjs), `packager`, `log` (progress lines). Returns { [targetId]: packagePath }.
 */
export function buildPackages({
  outDir,
  targets = TARGETS.map((t) => t.id),
  skipBuild = false,
  bundle = true,
  packager,
  log = () => {},
}) {
  const selected = targets.map(findTarget);
  const { version, homepage } = JSON.parse(readFileSync(join(REPO_ROOT, 'core', 'package.json'), 'utf8'));
  const buildDate = process.env.SOURCE_DATE_EPOCH ? new Date(Number(process.env.SOURCE_DATE_EPOCH) * 1000) : new Date();
  const who = packager ?? process.env.LPA_PACKAGER ?? 'linux-patch-api packagers <packagers@linux-patch-api.org>';
  const arch = architectureNames(process.arch);

  if (!skipBuild) {
    log('compiling TypeScript (tsc -b)');
    run(join(REPO_ROOT, 'node_modules', '.bin', 'tsc'), ['-b'], { cwd: REPO_ROOT });
  }
  mkdirSync(outDir, { recursive: true });
  const workDir = join(outDir, '.work');
  rmSync(workDir, { recursive: true, force: true });
  const needed = withWorkspaceDependencies([...new Set(selected.flatMap((t) => ['core', t.backend, ...t.audit]))]);
  log(`npm pack: ${needed.join(', ')}`);
  const tarballs = packWorkspaces(needed, join(workDir, 'tarballs'));

  // The core and the audit plugins are the same in every package: install (and compile) them once.
  const commonAudit = selected.every((t) => t.audit.join() === selected[0].audit.join()) ? selected[0].audit : [];
  const baseDir = join(workDir, 'common-base');
  const common = withWorkspaceDependencies(['core', ...commonAudit]);
  log(`production install shared by all targets: ${common.join(', ')}`);
  installCommonBase(
    baseDir,
    common.map((name) => tarballs[name]),
  );

  const built = {};
  for (const target of selected) {
    log(`${target.id}: production install and layout`);
    const targetWork = join(workDir, target.id);
    const stageDir = join(targetWork, 'root');
    stageTarget(target, { stageDir, tarballs, baseDir, version, packager: who, buildDate, bundle });
    log(`${target.id}: building ${target.format}`);
    built[target.id] = BUILDERS[target.format](target, {
      stageDir,
      workDir: targetWork,
      outDir,
      version,
      arch: arch[target.format],
      packager: who,
      description: DESCRIPTION,
      homepage,
      buildDate,
    });
    log(`${target.id}: ${built[target.id]}`);
  }
  rmSync(workDir, { recursive: true, force: true });
  return built;
}
