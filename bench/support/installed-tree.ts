/** The agent as the .deb installs it: built with the packaging code, unpacked with dpkg-deb. */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launcherEnvironment } from '../../test/packaging/support/inspect.js';
import { REPO_ROOT } from '../../test/support/agent.js';

export interface InstalledTree {
  /** The core's package directory (…/node_modules/@linux-patch-api/core). */
  coreDir: string;
  /** The options /usr/bin/linux-patch-api passes to node before the agent's script. */
  nodeOptions: string[];
  /** The environment variables it sets for node (`export NAME="${NAME:-default}"`), with their defaults. */
  environment: Record<string, string>;
}

/**
 * Builds the .deb exactly as `npm run package` does and unpacks it under dir. `unbundled` ships the
 * npm tree module by module instead of bundled (what the memory account imports step by step).
 */
export function installedTree(dir: string, options: { unbundled?: boolean } = {}): InstalledTree {
  const out = join(dir, 'pkg');
  const built = spawnSync(
    process.execPath,
    [
      join(REPO_ROOT, 'scripts/package.mjs'),
      '--out',
      out,
      '--only',
      'deb',
      '--skip-build',
      ...(options.unbundled ? ['--unbundled'] : []),
    ],
    {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    },
  );
  if (built.status !== 0) throw new Error(`building the .deb failed:\n${built.stdout}${built.stderr}`);
  const deb = readdirSync(out).find((name) => name.endsWith('.deb'));
  if (!deb) throw new Error(`no .deb in ${out}`);
  const tree = join(dir, 'tree');
  const unpacked = spawnSync('/usr/bin/dpkg-deb', ['-x', join(out, deb), tree], { encoding: 'utf8' });
  if (unpacked.status !== 0) throw new Error(`dpkg-deb -x failed: ${unpacked.stderr}`);
  const launcher = readFileSync(join(tree, 'usr/bin/linux-patch-api'), 'utf8');
  const exec = /^exec \/usr\/bin\/node((?: --?[^\s/]\S*)*) \/usr\/lib\//m.exec(launcher);
  if (!exec) throw new Error(`the launcher does not exec /usr/bin/node on the core:\n${launcher}`);
  return {
    coreDir: join(tree, 'usr/lib/linux-patch-api/node_modules/@linux-patch-api/core'),
    nodeOptions: (exec[1] ?? '').split(' ').filter(Boolean),
    environment: launcherEnvironment(launcher),
  };
}
