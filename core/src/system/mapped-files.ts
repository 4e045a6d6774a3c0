import { readdir, readFile, readlink } from 'node:fs/promises';
import { readCommandLine } from './process-table.js';

/** One file a process maps, as /proc/PID/maps shows it (paths as this agent sees them). */
export interface MappedFile {
  path: string;
  /** Device as `major:minor` in hex, as maps prints it. */
  device: string;
  inode: number;
  /** maps marks a file that was unlinked (replaced or removed) after it was mapped with ` (deleted)`. */
  deleted: boolean;
}

export interface ProcessMappings {
  pid: number;
  command: string;
  files: MappedFile[];
}

const MAPS_LINE = /^\S+ \S+ \S+ ([0-9a-f]+:[0-9a-f]+) (\d+)\s+(\/.*)$/;
const DELETED = ' (deleted)';

/** The distinct files in a /proc/PID/maps text (anonymous and special mappings left out). */
export function parseMaps(text: string): MappedFile[] {
  const files = new Map<string, MappedFile>();
  for (const line of text.split('\n')) {
    const match = MAPS_LINE.exec(line);
    if (match === null || match[2] === '0') continue;
    const raw = match[3] as string;
    const deleted = raw.endsWith(DELETED);
    const path = deleted ? raw.slice(0, -DELETED.length) : raw;
    const file = { path, device: match[1] as string, inode: Number(match[2]), deleted };
    files.set(`${file.device} ${file.inode} ${raw}`, file);
  }
  return [...files.values()];
}

/**
 * The processes and the files they map, read from /proc. With `root`, only processes whose root
 * directory (/proc/PID/root) is `root` (a real path); without, every process. Processes that end
 * while they are read, and those this agent may not read, are left out.
 */
export async function processMappings(root: string | null, proc = '/proc'): Promise<ProcessMappings[]> {
  let entries: string[];
  try {
    entries = await readdir(proc);
  } catch {
    return [];
  }
  const found: ProcessMappings[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    try {
      if (root !== null && (await readlink(`${proc}/${entry}/root`)) !== root) continue;
      const files = parseMaps(await readFile(`${proc}/${entry}/maps`, 'utf8'));
      if (files.length === 0) continue;
      const command = (await readCommandLine(pid)) || (await readFile(`${proc}/${entry}/comm`, 'utf8')).trim();
      found.push({ pid, command, files });
    } catch {
      /* gone, or not ours to read */
    }
  }
  return found;
}
