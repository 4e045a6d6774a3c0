/**
 * A clock reading's text, formatted once per `unitMs` and reused for every call within that unit: a
 * busy agent stamps many answers, log lines and audit records in the same millisecond or second.
 * `format` receives the unit's first millisecond.
 */
export function formattedOncePer(unitMs: number, format: (unitStartMs: number) => string): (ms: number) => string {
  let currentUnit = Number.NaN;
  let text = '';
  return (ms) => {
    const unit = Math.floor(ms / unitMs);
    if (unit !== currentUnit) {
      text = format(unit * unitMs);
      currentUnit = unit;
    }
    return text;
  };
}
