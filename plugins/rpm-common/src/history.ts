/** One row of `dnf history list` / `yum history list`. */
export interface HistoryRow {
  id: number;
  /** Command line (dnf) or login user (yum 3). */
  who: string;
  date: string;
  actions: string;
  altered: number;
  /**
   * Flags after the count: `#` the transaction ended with a non-zero status or never finished
   * (an interrupted transaction), `E` it printed errors, `P` problems in the database before it,
   * `s` scriptlet output, `<`/`>` the database was changed outside dnf/yum before/after it.
   */
  flags: string;
}

/** Parses the `ID | … | Date and time | Action(s) | Altered` table, newest first as printed. */
export function parseHistoryList(output: string): HistoryRow[] {
  const rows: HistoryRow[] = [];
  for (const line of output.split('\n')) {
    const columns = line.split('|').map((column) => column.trim());
    if (columns.length !== 5) continue;
    const [idText = '', who = '', date = '', actions = '', alteredText = ''] = columns;
    if (!/^\d+$/.test(idText)) continue;
    const altered = /^(\d+)\s*(\S*)$/.exec(alteredText);
    if (!altered) continue;
    rows.push({ id: Number(idText), who, date, actions, altered: Number(altered[1]), flags: altered[2] ?? '' });
  }
  return rows;
}

/** The `Date and time` column: `2026-12-07 01:02` in local time, to the minute (dnf 4 and yum 3 alike). */
export function parseHistoryDate(date: string): Date | null {
  const match = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d)$/.exec(date.trim());
  if (match === null) return null;
  const [year, month, day, hour, minute] = match.slice(1).map(Number) as number[];
  return new Date(year!, month! - 1, day!, hour!, minute!);
}

/** When the newest transaction of a `history list` started; null when there is none. */
export function newestTransactionTime(rows: readonly HistoryRow[]): Date | null {
  let newest: Date | null = null;
  for (const row of rows) {
    const time = parseHistoryDate(row.date);
    if (time !== null && (newest === null || time > newest)) newest = time;
  }
  return newest;
}
