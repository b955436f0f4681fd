import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/**
 * The files `paths` name: a file is taken as given, a directory is walked for names matching
 * `pattern` (hidden entries and node_modules skipped), in name order, each file once. A path that
 * cannot be read goes to `onUnreadable`, which reports it or throws.
 */
export async function findFiles(paths: string[], pattern: RegExp, onUnreadable: (path: string, error: NodeJS.ErrnoException) => void): Promise<string[]> {
  const files: string[] = [];
  const walk = async (directory: string) => {
    const entries = (await readdir(directory, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const path = join(directory, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() && pattern.test(entry.name)) files.push(path);
    }
  };
  for (const path of paths) {
    let isDirectory: boolean;
    try {
      isDirectory = (await stat(path)).isDirectory();
    } catch (error) {
      onUnreadable(path, error as NodeJS.ErrnoException);
      continue;
    }
    if (isDirectory) await walk(path);
    else files.push(path);
  }
  const seen = new Set<string>();
  return files.filter((file) => !seen.has(resolve(file)) && seen.add(resolve(file)));
}
