import type { DestinationStream } from 'pino';

/** What the batching destination needs of the stream under it: pino's own destination (sonic-boom) has it. */
export interface FlushableDestination extends DestinationStream {
  flush(callback?: (error?: Error) => void): void;
  flushSync(): void;
}

/** Every destination made, for the one exit handler. */
const open = new Set<TurnBatchedDestination>();

/** After pino's own exit handler flushed its destinations: writes what the last turn still holds. */
function flushAllAtExit(): void {
  for (const destination of open) {
    try {
      destination.flushSync();
    } catch {
      // The destination is gone (closed, or a broken pipe): nothing can be written to it any more.
    }
  }
}

/**
 * Hands the log lines of one event-loop turn to the destination under it as one string. sonic-boom
 * measures the UTF-8 length of its whole pending buffer on every write, so a turn with many request
 * lines cost it time that grew with the square of their number; joined once per turn, each line is
 * measured once. Lines wait at most until the end of their turn; `flush`, `flushSync` and the
 * process's exit hand them on at once, so no line is lost where pino's own destination keeps it.
 */
export class TurnBatchedDestination implements DestinationStream {
  private lines: string[] = [];
  private scheduled = false;
  private readonly handOn = () => {
    this.scheduled = false;
    if (this.lines.length === 0) return;
    const text = this.lines.length === 1 ? this.lines[0]! : this.lines.join('');
    this.lines = [];
    this.target.write(text);
  };

  constructor(private readonly target: FlushableDestination) {
    if (open.size === 0) process.on('exit', flushAllAtExit);
    open.add(this);
  }

  write(line: string): void {
    this.lines.push(line);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.handOn);
  }

  flush(callback?: (error?: Error) => void): void {
    this.handOn();
    this.target.flush(callback);
  }

  flushSync(): void {
    this.handOn();
    this.target.flushSync();
  }
}
