import { splitNameArch } from './nevra.js';

/** One row of `check-update` / `list installed` / `list updates` output. */
export interface ListedPackage {
  name: string;
  arch: string;
  evr: string;
  repository: string;
}

const EVR = /^(?:\d+:)?[A-Za-z0-9._+~^]+-[A-Za-z0-9._+~^]+$/;
/** Section headers after which rows are no longer updates (dnf and yum 3). */
const STOP_SECTIONS = /^(Obsoleting Packages|Security: |Available Packages)/;

/**
 * Parses the three-column package listing dnf and yum print (`name.arch  [epoch:]version-release
 * repo`). Long names are wrapped by both tools onto their own line; those rows are joined.
 * Headers, plugin chatter and the obsoletes section are skipped.
 */
export function parsePackageList(output: string): ListedPackage[] {
  const rows: ListedPackage[] = [];
  let pending: string[] = [];
  for (const line of output.split('\n')) {
    if (STOP_SECTIONS.test(line)) break;
    const tokens = line
      .trim()
      .split(/\s+/)
      .filter((token) => token.length > 0);
    if (tokens.length === 0) {
      pending = [];
      continue;
    }
    const joined = pending.length > 0 && /^\s/.test(line) ? [...pending, ...tokens] : tokens;
    pending = [];
    const nameArch = joined[0] === undefined ? null : splitNameArch(joined[0]);
    if (nameArch === null) continue;
    if (joined.length < 3) {
      pending = joined;
      continue;
    }
    const [, evr, repository] = joined;
    if (joined.length !== 3 || evr === undefined || repository === undefined || !EVR.test(evr)) continue;
    rows.push({ name: nameArch.name, arch: nameArch.arch, evr: evr.startsWith('0:') ? evr.slice(2) : evr, repository });
  }
  return rows;
}
