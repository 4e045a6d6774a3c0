import { readdir, readFile } from 'node:fs/promises';

/** What /proc/PID/stat says about a process that matters here. */
export interface ProcessStat {
  pid: number;
  ppid: number;
  /** Process group id. */
  pgrp: number;
  /** Start time in clock ticks after boot: with the pid, it tells a process from a later one given the same pid. */
  startTicks: number;
}

/** /proc/PID/stat of a live process, or null when it is gone (or not readable). */
export async function readProcessStat(pid: number): Promise<ProcessStat | null> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // "pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
  // cutime cstime priority nice threads itrealvalue starttime …"; comm may hold spaces and parentheses.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return null;
  return { pid, ppid: Number(fields[1]), pgrp: Number(fields[2]), startTicks: Number(fields[19]) };
}

/** The command line of a process (arguments joined by spaces, at most 256 characters), or null. */
export async function readCommandLine(pid: number): Promise<string | null> {
  try {
    const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    const line = raw.replace(/\0+$/, '').split('\0').join(' ');
    return line.length > 256 ? `${line.slice(0, 255)}…` : line;
  } catch {
    return null;
  }
}

/** Whether `pid` is `ancestor` or one of its descendants (by walking the parent links). */
export async function isDescendantOf(pid: number, ancestor: number): Promise<boolean> {
  let current = pid;
  for (let depth = 0; depth < 64 && current > 1; depth += 1) {
    if (current === ancestor) return true;
    const stat = await readProcessStat(current);
    if (stat === null) return false;
    current = stat.ppid;
  }
  return false;
}

/** The live members of each process group in `groups`, by group id. */
export async function processGroupMembers(groups: ReadonlySet<number>): Promise<Map<number, ProcessStat[]>> {
  const members = new Map<number, ProcessStat[]>();
  if (groups.size === 0) return members;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readProcessStat(Number(entry));
    if (stat === null || !groups.has(stat.pgrp)) continue;
    const list = members.get(stat.pgrp) ?? [];
    list.push(stat);
    members.set(stat.pgrp, list);
  }
  return members;
}
