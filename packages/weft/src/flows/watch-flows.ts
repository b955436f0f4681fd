import { readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Calls `onChange` when a file under `paths` (flow files or folders of them) changes. Node 20's
 * recursive `fs.watch` stops reporting a file once it is replaced by a rename — how vim,
 * JetBrains' safe write and `sed -i` save — so every folder gets a plain watch of its own, which
 * sees renames and writes alike, and the set of folders is read again after each change (a new
 * subfolder).
 */
export function watchFlowFiles(paths: readonly string[], onChange: () => void, onError: (path: string, error: unknown) => void): { close(): void } {
  let watchers: FSWatcher[] = [];

  function watchAll(): void {
    for (const watcher of watchers) watcher.close();
    watchers = [];
    for (const path of paths) {
      try {
        if (statSync(path).isDirectory()) {
          for (const folder of foldersUnder(path)) watchers.push(watch(folder, changed));
        } else {
          // A single file: its folder's events, for that name only (the file itself may be replaced).
          const name = basename(path);
          watchers.push(watch(dirname(path), (_event, file) => (file === null || file === name) && changed()));
        }
      } catch (error) {
        onError(path, error);
      }
    }
  }

  function changed(): void {
    watchAll();
    onChange();
  }

  watchAll();
  return {
    close() {
      for (const watcher of watchers) watcher.close();
      watchers = [];
    },
  };
}

/** The folder and every folder below it, but not dependencies or hidden ones. */
function foldersUnder(root: string): string[] {
  const folders = [root];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (entry.isDirectory() && entry.name !== 'node_modules' && !entry.name.startsWith('.')) folders.push(...foldersUnder(join(root, entry.name)));
  }
  return folders;
}
