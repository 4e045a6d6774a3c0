import { readFile, stat } from 'node:fs/promises';

/**
 * The pid of a process holding a lock (fcntl, flock or OFD) on `path`, read from /proc/locks by
 * matching the file's device and inode; null when nobody holds one or the holder cannot be told.
 */
export async function findLockHolderPid(path: string): Promise<number | null> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch {
    return null;
  }
  let table: string;
  try {
    table = await readFile('/proc/locks', 'utf8');
  } catch {
    return null;
  }
  const ino = Number(info.ino);
  const major = Math.floor(Number(info.dev) / 256) & 0xfff;
  const minor = (Number(info.dev) & 0xff) | ((Number(info.dev) >> 12) & 0xfff00);
  for (const line of table.split('\n')) {
    // "1: POSIX  ADVISORY  WRITE 1234 08:01:5678 0 EOF"; blocked waiters are marked "->".
    const fields = line.trim().split(/\s+/);
    if (fields.length < 6 || fields[1] === '->') continue;
    const pid = Number(fields[4]);
    const [maj, min, inode] = (fields[5] ?? '').split(':');
    if (maj === undefined || min === undefined || inode === undefined) continue;
    if (Number(inode) === ino && Number.parseInt(maj, 16) === major && Number.parseInt(min, 16) === minor && pid > 0) {
      return pid;
    }
  }
  return null;
}
