#!/usr/bin/env node
// The `weft` command. Weft runs its TypeScript directly (no build step), so tsx is registered
// before the CLI is imported.
import { register as registerCommonJsLoader } from 'tsx/cjs/api';
import { register as registerEsmLoader } from 'tsx/esm/api';

registerEsmLoader();
// A user's `.ts` code module is CommonJS to node unless a package.json above it says "type":
// "module" (a `weft init` project has none): without tsx's CommonJS loader it fails to load
// ("Cannot require() ES Module … in a cycle"). A package.json from `weft init` would mend only
// new projects. tsx compiles such a module to CommonJS, so `export` works, top-level await not.
registerCommonJsLoader();
// `weft runs | head`: a reader that leaves early is not an error, and the rest of the output has
// nowhere to go. Without this, node reports the broken pipe as an unhandled error with a stack.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
  });
}
const { runCli } = await import('../src/cli/main.ts');
process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  exit: (code) => process.exit(code),
});
