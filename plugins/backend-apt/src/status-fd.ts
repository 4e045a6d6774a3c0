/**
 * apt's machine-readable progress (`-o APT::Status-Fd=N`): `dlstatus:id:percent:message` while
 * downloading and `pmstatus:package:percent:message` while dpkg works. Downloads take the first
 * fifth of the range, dpkg the rest; the reported value never goes backwards.
 */
export interface StatusProgress {
  percent: number;
  message: string;
}

const DOWNLOAD_SHARE = 20;

export function parseStatusLine(line: string): StatusProgress | null {
  const match = /^(dlstatus|pmstatus):([^:]*):([0-9.]+):(.*)$/.exec(line.trim());
  if (!match) return null;
  const [, kind, , value, message] = match;
  const raw = Math.min(100, Math.max(0, Number.parseFloat(value!)));
  if (Number.isNaN(raw)) return null;
  const percent = kind === 'dlstatus' ? (raw * DOWNLOAD_SHARE) / 100 : DOWNLOAD_SHARE + (raw * (100 - DOWNLOAD_SHARE)) / 100;
  return { percent: Math.round(percent), message: message ?? '' };
}

/** Feeds status lines to `onProgress`, keeping the reported percentage monotonic. */
export function statusProgressReporter(onProgress: (percent: number, message?: string) => void): (line: string) => void {
  let last = -1;
  return (line) => {
    const progress = parseStatusLine(line);
    if (!progress || progress.percent <= last) return;
    last = progress.percent;
    onProgress(progress.percent, progress.message);
  };
}
