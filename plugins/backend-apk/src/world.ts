import { readFile } from 'node:fs/promises';
import { compareApkVersions } from './version.js';

/** A version constraint on a name in /etc/apk/world (`name=1.0-r0`, `name<2`, `name~1.2`, …). */
export interface WorldPin {
  name: string;
  operator: string;
  version: string;
  /** The world entry as written. */
  entry: string;
}

const CONSTRAINT = /^([^=<>~!@\s]+)(?:@\S+?)?(><|<=|>=|=~|=|<|>|~)(\S+)$/;

/**
 * The version-constrained entries of apk's world file (whitespace-separated dependencies). Plain
 * names, `@tag` repository pins without a version, `!conflicts` and providers are not version pins.
 */
export function parseWorldPins(text: string): Map<string, WorldPin> {
  const pins = new Map<string, WorldPin>();
  for (const entry of text.split(/\s+/)) {
    const match = CONSTRAINT.exec(entry);
    if (match === null) continue;
    const [, name, operator, version] = match as unknown as [string, string, string, string];
    pins.set(name, { name, operator, version, entry });
  }
  return pins;
}

/** Whether `version` satisfies the pin the way apk's solver reads the operator. */
export function pinAllows(pin: WorldPin, version: string): boolean {
  const order = Math.sign(compareApkVersions(version, pin.version));
  switch (pin.operator) {
    case '=':
      return order === 0;
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '>':
      return order > 0;
    case '>=':
      return order >= 0;
    case '~':
    case '=~':
      // Fuzzy: the version starts with the pinned one, component-wise (`~1.2` takes 1.2.5 and 1.2-r3).
      return version === pin.version || (version.startsWith(pin.version) && /^[._\-a-z]/.test(version.slice(pin.version.length)));
    default:
      // `><` pins a package checksum: no version other than the installed one.
      return false;
  }
}

/** The pins of ROOT/etc/apk/world; none when the file is missing. */
export async function readWorldPins(path: string): Promise<Map<string, WorldPin>> {
  try {
    return parseWorldPins(await readFile(path, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw error;
  }
}
