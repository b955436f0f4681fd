#!/usr/bin/env node
// The `weft` command. Weft runs its TypeScript directly (no build step), so tsx is registered
// before the CLI is imported.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/cli/main.ts');
process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  exit: (code) => process.exit(code),
});
