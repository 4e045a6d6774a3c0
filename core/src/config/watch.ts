import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

export interface FileWatch {
  close(): void;
}

/**
 * Calls `onChange` (debounced) when any of `files` is written, replaced or removed. Watches the
 * directories rather than the files, so an editor's write-to-temp-then-rename is seen too, and a
 * file that does not exist yet is picked up when it appears.
 */
export function watchFiles(files: readonly string[], onChange: () => void, debounceMs = 200): FileWatch {
  const byDirectory = new Map<string, Set<string>>();
  for (const file of files) {
    const absolute = resolve(file);
    const names = byDirectory.get(dirname(absolute)) ?? new Set<string>();
    names.add(basename(absolute));
    byDirectory.set(dirname(absolute), names);
  }
  let timer: NodeJS.Timeout | null = null;
  const trigger = () => {
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      onChange();
    }, debounceMs);
    timer.unref();
  };
  const watchers: FSWatcher[] = [];
  for (const [directory, names] of byDirectory) {
    try {
      const watcher = watch(directory, { persistent: false }, (_event, name) => {
        if (name === null || names.has(String(name))) trigger();
      });
      watcher.on('error', () => {});
      watchers.push(watcher);
    } catch {
      /* a missing directory cannot be watched; the files in it keep their last good state */
    }
  }
  return {
    close() {
      if (timer !== null) clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
    },
  };
}
