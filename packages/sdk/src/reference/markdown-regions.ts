/**
 * Code samples in hand-written docs are copied from real, type-checked and tested source files
 * rather than typed into the markdown, so a sample cannot drift from the API. A source file marks
 * a sample with `// #region <name>` … `// #endregion`; the markdown marks where it goes with
 *
 *   <!-- include <path from the repository root>#<name> -->
 *   ```ts
 *   (replaced by `npm run gen`)
 *   ```
 *   <!-- /include -->
 */

const REGION_START = /^\s*\/\/ #region ([\w-]+)\s*$/;
const REGION_END = /^\s*\/\/ #endregion\b/;
const INCLUDE = /<!-- include (\S+?)#([\w-]+) -->\n[\s\S]*?<!-- \/include -->/g;

/** The named regions of a source file, without their marker lines. */
export function sourceRegions(source: string): Map<string, string> {
  const regions = new Map<string, string>();
  let open: { name: string; lines: string[] } | undefined;
  for (const line of source.split('\n')) {
    const start = REGION_START.exec(line);
    if (start !== null) {
      if (open !== undefined) throw new Error(`region "${start[1]}" starts inside region "${open.name}"`);
      if (regions.has(start[1]!)) throw new Error(`two regions are named "${start[1]}"`);
      open = { name: start[1]!, lines: [] };
    } else if (REGION_END.test(line)) {
      if (open === undefined) throw new Error('#endregion without a #region');
      regions.set(open.name, open.lines.join('\n'));
      open = undefined;
    } else {
      open?.lines.push(line);
    }
  }
  if (open !== undefined) throw new Error(`region "${open.name}" has no #endregion`);
  return regions;
}

/** The markdown with every include block refilled from its source region. */
export function includeRegions(markdown: string, readSource: (path: string) => string): string {
  const cache = new Map<string, Map<string, string>>();
  return markdown.replace(INCLUDE, (_block, path: string, name: string) => {
    let regions = cache.get(path);
    if (regions === undefined) {
      regions = sourceRegions(readSource(path));
      cache.set(path, regions);
    }
    const region = regions.get(name);
    if (region === undefined) throw new Error(`${path} has no region "${name}" (it has: ${[...regions.keys()].join(', ')})`);
    return `<!-- include ${path}#${name} -->\n\`\`\`ts\n${region}\n\`\`\`\n<!-- /include -->`;
  });
}
