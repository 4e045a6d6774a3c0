import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdir, readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { runTool } from './sandbox/common.js';
import { waitFor } from './wait.js';

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

/** A process kept alive for a test, mapping a shared library; stop() kills it and waits for it. */
export interface MappingProcess {
  pid: number;
  stop(): Promise<void>;
}

/** A small real shared library of the host (glibc's libdl stub), to ship in fixture packages that a process maps. */
export async function hostSharedLibrary(): Promise<Uint8Array> {
  const { stdout } = await runTool('/usr/bin/ldd', ['/bin/sleep']);
  const libc = /(\/\S+)\/libc\.so\.6/.exec(stdout)?.[1];
  if (libc === undefined) throw new Error(`no libc in ldd /bin/sleep: ${stdout}`);
  return readFile(`${libc}/libdl.so.2`);
}

/**
 * `sleep` with `library` preloaded (LD_PRELOAD), so it maps that file until stopped. With `root`
 * it runs chrooted into the root (which needs /bin/sh and /bin/sleep with their libraries, e.g. an
 * apt sandbox `withShell`) and `library` is a path inside it; without, on the host.
 */
export async function startMappingProcess(library: string, root: string | null): Promise<MappingProcess> {
  const child =
    root === null
      ? spawn('/bin/sleep', ['600'], { stdio: 'ignore', env: { LD_PRELOAD: library } })
      : spawn('/usr/sbin/chroot', [root, '/bin/sh', '-c', 'export LD_PRELOAD="$1"; exec /bin/sleep 600', 'sh', library], {
          stdio: 'ignore',
          env: {},
        });
  const exited = once(child, 'exit');
  const pid = child.pid as number;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  try {
    await waitFor(async () => (await readFile(`/proc/${pid}/maps`, 'utf8')).includes(basename(library)), {
      what: `process ${pid} to map ${library}`,
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { pid, stop };
}
