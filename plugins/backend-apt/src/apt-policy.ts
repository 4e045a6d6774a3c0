/** One package's entry in `apt-cache policy NAME…`. */
export interface PolicyEntry {
  installed: string | null;
  candidate: string | null;
  /** Every version the version table lists, highest priority first as apt prints them. */
  versions: { version: string; priority: number; phasedPercent: number | null }[];
}

// `     1.1-1 500 (phased 0%)` or ` *** 1.0-1 1001`; the source lines below a version are indented further.
const VERSION = /^ (?:\*\*\*| {3}) (\S+) (-?\d+)(?: \(phased (\d+)%\))?$/;

/** Parses `apt-cache policy NAME…` (apt 2.x) into name → entry. */
export function parseAptPolicy(output: string): Map<string, PolicyEntry> {
  const entries = new Map<string, PolicyEntry>();
  let current: PolicyEntry | null = null;
  for (const line of output.split('\n')) {
    const header = /^(\S+):$/.exec(line);
    if (header) {
      current = { installed: null, candidate: null, versions: [] };
      entries.set(header[1]!, current);
      continue;
    }
    if (current === null) continue;
    const field = /^ {2}(Installed|Candidate): (\S+)$/.exec(line);
    if (field) {
      const value = field[2] === '(none)' ? null : field[2]!;
      if (field[1] === 'Installed') current.installed = value;
      else current.candidate = value;
      continue;
    }
    const version = VERSION.exec(line);
    if (version) {
      current.versions.push({
        version: version[1]!,
        priority: Number(version[2]),
        phasedPercent: version[3] === undefined ? null : Number(version[3]),
      });
    }
  }
  return entries;
}
