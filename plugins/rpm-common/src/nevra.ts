/** `name-[epoch:]version-release.arch` as dnf and yum print package ids. */
export interface Nevra {
  name: string;
  /** `[epoch:]version-release`, the epoch only when printed. */
  evr: string;
  arch: string;
}

/** Splits a NEVRA; null when the string does not have all of its parts. */
export function parseNevra(text: string): Nevra | null {
  const dot = text.lastIndexOf('.');
  if (dot <= 0) return null;
  const arch = text.slice(dot + 1);
  const nevr = text.slice(0, dot);
  const releaseDash = nevr.lastIndexOf('-');
  if (releaseDash <= 0) return null;
  const versionDash = nevr.lastIndexOf('-', releaseDash - 1);
  if (versionDash <= 0) return null;
  let evr = nevr.slice(versionDash + 1);
  // yum 3 prints a zero epoch as `0:`; the agent shows epochs only when they are set.
  if (evr.startsWith('0:')) evr = evr.slice(2);
  return { name: nevr.slice(0, versionDash), evr, arch };
}

/** Splits `name.arch` (arch never contains a dot). */
export function splitNameArch(text: string): { name: string; arch: string } | null {
  const dot = text.lastIndexOf('.');
  if (dot <= 0 || dot === text.length - 1) return null;
  return { name: text.slice(0, dot), arch: text.slice(dot + 1) };
}
