import { readdir, readFile } from 'node:fs/promises';

/**
 * Live processes (zombies and this test process left out) whose command line or environment
 * mentions `needle`, such as a sandbox directory: the apt-get, dpkg and maintainer scripts working
 * on it. `except` leaves out further pids, e.g. an agent that names the sandbox in its own config.
 */
export async function processesMentioning(needle: string, except: readonly number[] = []): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    const pid = Number(entry);
    if (!/^\d+$/.test(entry) || pid === process.pid || except.includes(pid)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      if (/^\d+ \(.*\) Z/.test(stat)) continue;
      const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8');
      const environ = await readFile(`/proc/${entry}/environ`, 'utf8').catch(() => '');
      if (cmdline.includes(needle) || environ.includes(needle)) pids.push(pid);
    } catch {
      /* gone */
    }
  }
  return pids;
}
