/**
 * Reading apt's and dpkg's failure output: download failures (which a refresh and one retry may
 * cure) and lock contention (which must be reported with the holder, never broken).
 */
const FETCH_ERROR = [
  /\b404\s+Not Found/i,
  /Failed to fetch/i,
  /Unable to fetch/i,
  /Could not resolve/i,
  /Temporary failure resolving/i,
  /Failed to download/i,
  /Cannot download/i,
  /failed retrieving file/i,
  /Hash Sum mismatch/i,
  /File has unexpected size/i,
  /Could not connect to/i,
  /Connection failed/i,
  /Some index files failed to download/i,
];

export function isAptFetchError(output: string): boolean {
  return FETCH_ERROR.some((pattern) => pattern.test(output));
}

const LOCK_ERROR = [
  /Could not get lock/i,
  /Unable to acquire the dpkg frontend lock/i,
  /Unable to lock (?:the )?(?:administration|download|directory)/i,
  /dpkg frontend lock (?:was|is) locked by another process/i,
  /dpkg status database is locked by another process/i,
];

export function isAptLockError(output: string): boolean {
  return LOCK_ERROR.some((pattern) => pattern.test(output));
}

/** The pid apt names in "Could not get lock X. It is held by process 1234 (name)", if any. */
export function lockHolderFromOutput(output: string): { path: string | null; pid: number | null } {
  const match = /Could not get lock (\S+?)\.? It is held by process (\d+)/.exec(output);
  if (match) return { path: match[1] ?? null, pid: Number(match[2]) };
  const path = /Could not get lock (\S+?)\.?(?:\s|$)/.exec(output)?.[1] ?? null;
  return { path, pid: null };
}

/** apt could not find a named package or the pinned version of it. */
export function isAptUnknownPackage(output: string): boolean {
  return /^E: (?:Unable to locate package |Version '[^']*' for '[^']*' was not found|Package '[^']*' has no installation candidate)/m.test(
    output,
  );
}
