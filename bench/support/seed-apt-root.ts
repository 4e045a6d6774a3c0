/**
 * Makes an apt sandbox root look like this host (read only from the host): its installed set (dpkg
 * status and file lists) and, where the host has them, its package lists and sources, so apt and
 * the agent work on a realistic number of packages. The fixtures stay installed on top.
 */
import { copyFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AptSandbox } from '../../test/support/sandbox/apt.js';

export async function seedAptRootFromHost(sandbox: AptSandbox): Promise<void> {
  const status = join(sandbox.root, 'var/lib/dpkg/status');
  const fixtures = await readFile(status, 'utf8');
  const host = await readFile('/var/lib/dpkg/status', 'utf8');
  await writeFile(status, `${host.trimEnd()}\n\n${fixtures}`);
  for (const name of await readdir('/var/lib/dpkg/info')) {
    if (name.endsWith('.list')) await copyFile(join('/var/lib/dpkg/info', name), join(sandbox.root, 'var/lib/dpkg/info', name));
  }
  const lists = (await readdir('/var/lib/apt/lists').catch(() => [] as string[])).filter((name) => name.includes('_dists_'));
  for (const name of lists) await copyFile(join('/var/lib/apt/lists', name), join(sandbox.root, 'var/lib/apt/lists', name));
  for (const name of await readdir('/etc/apt/sources.list.d').catch(() => [] as string[])) {
    if (name.endsWith('.sources') || name.endsWith('.list')) {
      await copyFile(join('/etc/apt/sources.list.d', name), join(sandbox.root, 'etc/apt/sources.list.d', name));
    }
  }
}
