import { readFile, stat } from 'node:fs/promises';
import { isLpaError, LpaError } from '../errors.js';

/**
 * An advisory feed the operator syncs as a local JSON file (the agent never downloads it). Feeds are
 * large and change only when synced, so the file is parsed once per state (device, inode, size,
 * mtime) and per variant (e.g. a release codename the parse selects). Any failure to read or parse it
 * is a BACKEND_ERROR naming the file.
 */
export class AdvisoryFeedFile<T> {
  #cached: { key: string; value: Promise<T> } | null = null;

  constructor(
    private readonly label: string,
    private readonly parse: (document: unknown, variant: string) => T,
  ) {}

  async read(path: string, variant = ''): Promise<T> {
    let key: string;
    try {
      const info = await stat(path, { bigint: true });
      key = `${path}|${variant}|${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}`;
    } catch (error) {
      throw this.#unreadable(path, error);
    }
    if (this.#cached?.key !== key) {
      const value = readFile(path, 'utf8')
        .then((text) => this.parse(JSON.parse(text), variant))
        .catch((error: unknown) => {
          throw isLpaError(error) ? error : this.#unreadable(path, error);
        });
      value.catch(() => {
        if (this.#cached?.value === value) this.#cached = null;
      });
      this.#cached = { key, value };
    }
    return this.#cached.value;
  }

  #unreadable(path: string, cause: unknown): LpaError {
    return new LpaError('LPA_ERR_BACKEND', `cannot read the ${this.label} file ${path}`, { cause });
  }
}
