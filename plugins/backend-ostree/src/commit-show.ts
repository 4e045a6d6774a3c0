/** What the agent reads from a commit's header (`ostree show REV`). */
export interface CommitInfo {
  checksum: string;
  /** RFC 3339 UTC, or null when the header has no date. */
  timestamp: string | null;
  version: string | null;
}

/**
 * Parses `ostree show --repo=… REV`:
 *
 *     commit a818…8d88
 *     Parent:  51a5…5806
 *     Date:  2024-01-02 00:00:00 +0000
 *     Version: 1.1
 */
export function parseCommitShow(output: string): CommitInfo | null {
  const checksum = /^commit ([0-9a-f]{64})$/m.exec(output)?.[1];
  if (checksum === undefined) return null;
  const date = /^Date:\s+(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d) ([+-]\d\d)(\d\d)$/m.exec(output);
  const parsed = date === null ? Number.NaN : Date.parse(`${date[1]}T${date[2]}${date[3]}:${date[4]}`);
  const version = /^Version:\s*(.+)$/m.exec(output)?.[1]?.trim();
  return {
    checksum,
    timestamp: Number.isNaN(parsed) ? null : new Date(parsed).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    version: version === undefined || version === '' ? null : version,
  };
}
