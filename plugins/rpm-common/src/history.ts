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
