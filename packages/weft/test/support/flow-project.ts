import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A fresh project folder for a test that starts real engine processes: `flows/` holding the
 * given flow files (name → YAML), and where its SQLite database goes.
 */
export function writeFlowProject(prefix: string, flowFiles: Record<string, string>): { dir: string; flows: string; db: string } {
  const dir = mkdtempSync(join(tmpdir(), `weft-${prefix}-`));
  const flows = join(dir, 'flows');
  mkdirSync(flows);
  for (const [name, text] of Object.entries(flowFiles)) writeFileSync(join(flows, name), text);
  return { dir, flows, db: join(dir, 'weft.db') };
}
