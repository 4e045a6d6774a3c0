/**
 * Reads the native packages with the distributions' own tools (dpkg-deb, rpm, bsdtar, tar) into
 * one shape — absolute path → permission string — and prepares sandbox roots with a static
 * busybox as /bin/sh so maintainer scripts can run chrooted.
 */
import { chmod, copyFile, mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { runTool } from '../../support/sandbox/common.js';

export type FileModes = Map<string, string>;

/** What /usr/bin/linux-patch-api exports for node (`export NAME="${NAME:-default}"` lines), by name. */
export function launcherEnvironment(launcher: string): Record<string, string> {
  return Object.fromEntries(
    [...launcher.matchAll(/^export ([A-Z_][A-Z0-9_]*)="\$\{\1:-([^}]*)\}"$/gm)].map((match) => [match[1]!, match[2]!]),
  );
}

function normalise(path: string): string {
  const trimmed = path.replace(/^\.\//, '').replace(/\/$/, '');
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

/** `ls -l`-style listings (dpkg-deb -c, bsdtar -tv, tar -tv): permissions first, path last. */
function parseLongListing(listing: string): FileModes {
  const modes: FileModes = new Map();
  for (const line of listing.split('\n')) {
    const match = /^([-dlrwxsStT]{10})\s.*?\s(\.?\/?[^\s]+?)(?: -> .*)?$/.exec(line);
    if (!match || match[2] === './' || match[2] === '.') continue;
    modes.set(normalise(match[2]!), match[1]!);
  }
  return modes;
}

export async function debFiles(deb: string): Promise<FileModes> {
  return parseLongListing((await runTool('/usr/bin/dpkg-deb', ['-c', deb])).stdout);
}

/** rpm on Debian keeps a per-user database: give it a throw-away HOME. */
export function rpmEnv(home: string): Record<string, string> {
  return { HOME: home };
}

export async function rpmFiles(rpm: string, home: string): Promise<FileModes> {
  const { stdout } = await runTool('/usr/bin/rpm', ['-qp', '--qf', '[%{FILEMODES:perms} %{FILENAMES}\n]', rpm], {
    env: rpmEnv(home),
  });
  const modes: FileModes = new Map();
  for (const line of stdout.split('\n')) {
    const match = /^(\S{10}) (\/.*)$/.exec(line);
    if (match) modes.set(match[2]!, match[1]!);
  }
  return modes;
}

export async function pacmanFiles(pkg: string): Promise<FileModes> {
  const modes = parseLongListing((await runTool('/usr/bin/bsdtar', ['-tvf', pkg])).stdout);
  for (const metadata of ['/.PKGINFO', '/.MTREE', '/.INSTALL']) modes.delete(metadata);
  return modes;
}

/** An apk is concatenated gzip streams; split them at member boundaries. */
export function splitGzipMembers(file: Buffer): Buffer[] {
  const members: Buffer[] = [];
  let start = 0;
  for (let offset = 1; offset <= file.length; offset += 1) {
    const atMember = offset === file.length || (file[offset] === 0x1f && file[offset + 1] === 0x8b && file[offset + 2] === 0x08);
    if (!atMember) continue;
    const candidate = file.subarray(start, offset);
    try {
      // A complete member decompresses alone; a false boundary inside compressed data does not.
      gunzipSync(candidate);
      members.push(candidate);
      start = offset;
    } catch {
      // not a boundary
    }
  }
  return members;
}

export interface TarEntry {
  path: string;
  mode: number;
  type: string;
  data: Buffer;
  pax: Record<string, string>;
}

/** Reads a ustar/pax archive (ends at the zero blocks or at the end of the buffer). */
export function readTar(tar: Buffer): TarEntry[] {
  const entries: TarEntry[] = [];
  let offset = 0;
  let pax: Record<string, string> = {};
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) break;
    const field = (start: number, length: number) =>
      header
        .subarray(start, start + length)
        .toString('utf8')
        .replace(/\0.*$/s, '');
    const size = Number.parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1) || '0';
    const data = tar.subarray(offset + 512, offset + 512 + size);
    offset += 512 + Math.ceil(size / 512) * 512;
    if (type === 'x') {
      pax = {};
      for (const record of data.toString('utf8').split('\n')) {
        const match = /^\d+ ([^=]+)=(.*)$/.exec(record);
        if (match) pax[match[1]!] = match[2]!;
      }
      continue;
    }
    const path = pax['path'] ?? `${field(345, 155) ? `${field(345, 155)}/` : ''}${field(0, 100)}`;
    entries.push({ path: path.replace(/\/$/, ''), mode: Number.parseInt(field(100, 8), 8), type, data, pax });
    pax = {};
  }
  return entries;
}

export function tarModes(entries: readonly TarEntry[]): FileModes {
  const modes: FileModes = new Map();
  const kind: Record<string, string> = { '0': '-', '5': 'd', '2': 'l' };
  for (const entry of entries) {
    const bits = ['r', 'w', 'x', 'r', 'w', 'x', 'r', 'w', 'x']
      .map((letter, index) => (entry.mode & (0o400 >> index) ? letter : '-'))
      .join('');
    modes.set(normalise(entry.path), `${kind[entry.type] ?? '?'}${bits}`);
  }
  return modes;
}

/** A static busybox as the root's /bin/sh and the few tools maintainer scripts call. */
export async function addBusyboxShell(root: string): Promise<void> {
  await mkdir(join(root, 'bin'), { recursive: true });
  await copyFile('/bin/busybox', join(root, 'bin', 'busybox'));
  await chmod(join(root, 'bin', 'busybox'), 0o755);
  for (const applet of ['sh', 'sed', 'chmod', 'rm', 'mkdir', 'kill', 'cat']) {
    await symlink('busybox', join(root, 'bin', applet));
  }
}
