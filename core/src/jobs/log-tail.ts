/** The last lines of a package manager's output, bounded in count and line length. */
export class LogTail {
  readonly #lines: string[];
  readonly #maxLines: number;
  readonly #maxLineLength: number;

  /** Keeps the tail in `target` (a job's `log` array), so readers see it as it grows. */
  constructor(target: string[] = [], maxLines = 200, maxLineLength = 1000) {
    this.#lines = target;
    this.#maxLines = maxLines;
    this.#maxLineLength = maxLineLength;
  }

  push(line: string): void {
    const trimmed = line.length > this.#maxLineLength ? `${line.slice(0, this.#maxLineLength)}…` : line;
    this.#lines.push(trimmed);
    if (this.#lines.length > this.#maxLines) this.#lines.splice(0, this.#lines.length - this.#maxLines);
  }

  lines(): string[] {
    return [...this.#lines];
  }
}
