/** One deployment as `ostree admin status` prints it, in boot order (the default first). */
export interface StatusEntry {
  osname: string;
  checksum: string;
  serial: number;
  /** `*` in the first column: ostree found this deployment mounted as `/`. */
  booted: boolean;
  /** The annotation after the checksum: `staged`, `pending`, `rollback`, or null. */
  mark: string | null;
  version: string | null;
  origin: string | null;
  pinned: boolean;
}

const DEPLOYMENT_LINE = /^([* ]) (\S+) ([0-9a-f]{64})\.(\d+)(?: \(([^)]*)\))?\s*$/;

/**
 * Parses `ostree admin status` (2022.7 and later):
 *
 *     * lpaos 51a5…5806.0 (pending)
 *         Version: 1.0
 *         Pinned: yes
 *         origin refspec: lpaos:lpa/x86_64/prod
 *
 * `No deployments.` and anything unrecognised yield no entry.
 */
export function parseAdminStatus(output: string): StatusEntry[] {
  const entries: StatusEntry[] = [];
  let current: StatusEntry | null = null;
  for (const line of output.split('\n')) {
    const match = DEPLOYMENT_LINE.exec(line);
    if (match) {
      current = {
        osname: match[2] as string,
        checksum: match[3] as string,
        serial: Number(match[4]),
        booted: match[1] === '*',
        mark: match[5] ?? null,
        version: null,
        origin: null,
        pinned: false,
      };
      entries.push(current);
      continue;
    }
    if (current === null || !/^\s{3,}\S/.test(line)) continue;
    const field = line.trim();
    const colon = field.indexOf(':');
    if (colon === -1) continue;
    const key = field.slice(0, colon).trim().toLowerCase();
    const value = field.slice(colon + 1).trim();
    if (key === 'version') current.version = value === '' ? null : value;
    else if (key === 'origin refspec') current.origin = value === '' ? null : value;
    else if (key === 'pinned') current.pinned = value === 'yes';
  }
  return entries;
}
