import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, open, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/** A small tmpfs mounted at `mountPoint` (tests run as root), to be filled up on purpose. */
export interface SmallFileSystem {
  mountPoint: string;
  /** Writes a filler file until the file system refuses another byte (ENOSPC). */
  fill(): Promise<void>;
  /** Removes the filler again. */
  free(): Promise<void>;
  unmount(): void;
}

export async function mountSmallFileSystem(mountPoint: string, size = '64k'): Promise<SmallFileSystem> {
  await mkdir(mountPoint, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', mountPoint]);
  const filler = join(mountPoint, 'filler');
  return {
    mountPoint,
    async fill() {
      const handle = await open(filler, 'a');
      try {
        const block = Buffer.alloc(4096, 0x61);
        for (;;) await handle.write(block);
      } catch (error) {
        assert.equal((error as NodeJS.ErrnoException).code, 'ENOSPC');
      } finally {
        await handle.close();
      }
    },
    async free() {
      await unlink(filler);
    },
    unmount() {
      execFileSync('umount', ['-l', mountPoint]);
    },
  };
}
