#!/usr/bin/env node
// Runs every *.test.ts under packages/ with node's test runner (through tsx). Node 20's
// `--test` takes no globs, so the file list is built here. Pass paths or substrings to filter.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function findTests(dir, found = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) findTests(path, found);
    else if (name.endsWith('.test.ts')) found.push(path);
  }
  return found;
}

/** The server scripts/ensure-postgres.sh sets up; used when DATABASE_URL is not set and it answers. */
const DEFAULT_DATABASE_URL = 'postgres://weft:weft@127.0.0.1:5432/weft';

async function defaultDatabaseAnswers() {
  try {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: DEFAULT_DATABASE_URL, connectionTimeoutMillis: 2000 });
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

if (!process.env.DATABASE_URL && (await defaultDatabaseAnswers())) process.env.DATABASE_URL = DEFAULT_DATABASE_URL;
if (!process.env.DATABASE_URL) console.error('DATABASE_URL is not set and no PostgreSQL answers at the default: the PostgreSQL tests are skipped');

const filters = process.argv.slice(2);
const files = findTests('packages')
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=300000', ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
