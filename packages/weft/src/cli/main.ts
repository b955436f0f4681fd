import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import type { CliContext } from './context.ts';
import type { CliIo } from './output.ts';
import { backfillCommand } from './commands/backfill.ts';
import { backupCommand } from './commands/backup.ts';
import { pruneCommand } from './commands/prune.ts';
import { callsCommand } from './commands/calls.ts';
import { connectCommand } from './commands/connect.ts';
import { connectionsCommand } from './commands/connections.ts';
import { connectorCommand } from './commands/connector.ts';
import { demoCommand } from './commands/demo.ts';
import { devCommand } from './commands/dev.ts';
import { exceptionsCommand } from './commands/exceptions.ts';
import { initCommand } from './commands/init.ts';
import { migrateCommand } from './commands/migrate.ts';
import { migrateStoreCommand } from './commands/migrate-store.ts';
import { recordCommand } from './commands/record.ts';
import { replayCommand } from './commands/replay.ts';
import { runCommand } from './commands/run.ts';
import { runsCommand } from './commands/runs.ts';
import { sandboxCommand } from './commands/sandbox.ts';
import { schemaCommand } from './commands/schema.ts';
import { secretsCommand } from './commands/secrets.ts';
import { startCommand } from './commands/start.ts';
import { testCommand } from './commands/test.ts';
import { tokensCommand } from './commands/tokens.ts';
import { validateCommand } from './commands/validate.ts';
import { vaultCommand } from './commands/vault.ts';
import { xrefCommand } from './commands/xref.ts';
import { reconcileCommand } from './commands/reconcile.ts';

const COMMANDS = [
  initCommand,
  startCommand,
  devCommand,
  demoCommand,
  validateCommand,
  schemaCommand,
  runCommand,
  runsCommand,
  testCommand,
  recordCommand,
  exceptionsCommand,
  replayCommand,
  callsCommand,
  xrefCommand,
  reconcileCommand,
  backfillCommand,
  connectionsCommand,
  connectCommand,
  connectorCommand,
  sandboxCommand,
  secretsCommand,
  vaultCommand,
  tokensCommand,
  migrateCommand,
  migrateStoreCommand,
  backupCommand,
  pruneCommand,
] as const;

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export function createProgram(context: CliContext): Command {
  const program = new Command('weft')
    .description('Weft: webhooks in, JSONata maps, HTTP calls out; durable on SQLite')
    .version(version)
    .enablePositionalOptions();
  for (const build of COMMANDS) program.addCommand(build(context));
  // Settings set on a command are not inherited by commands added to it, so apply them to all.
  const configure = (command: Command) => {
    command
      .exitOverride()
      .configureOutput({
        writeOut: (text) => context.stdout.write(text),
        writeErr: (text) => context.stderr.write(text),
        // Usage errors read like every other error: "weft: unknown option '--bogus'".
        outputError: (text, write) => write(text.replace(/^error: /, 'weft: ')),
      });
    command.commands.forEach(configure);
  };
  configure(program);
  return program;
}

/**
 * Runs one command line and returns the exit code: 0 success, 1 failure, 2 usage error.
 * Errors become one line on stderr; WEFT_DEBUG=1 adds the stack.
 */
export async function runCli(argv: readonly string[], io: CliIo & Pick<CliContext, 'exit'>): Promise<number> {
  const context: CliContext = { ...io, exitCode: 0 };
  try {
    await createProgram(context).parseAsync([...argv], { from: 'user' });
    return context.exitCode;
  } catch (error) {
    // Commander has already printed its own usage errors, help and version.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`weft: ${message}\n`);
    if (io.env.WEFT_DEBUG === '1' && error instanceof Error && error.stack) io.stderr.write(error.stack + '\n');
    return 1;
  }
}

/** docs/reference/cli.md: the prose below plus every command's help (`npm run gen`; a test checks for drift). */
export function cliReferenceMarkdown(): string {
  const context: CliContext = { stdout: { write: () => true }, stderr: { write: () => true }, env: {}, cwd: '.', exitCode: 0, exit: () => {} };
  const program = createProgram(context);
  const sections: string[] = [];
  const describe = (command: Command, name: string) => {
    command.configureHelp({ helpWidth: 100 });
    sections.push(`### \`${name}\`\n\n\`\`\`text\n${command.helpInformation().trimEnd()}\n\`\`\``);
    for (const sub of command.commands) describe(sub, `${name} ${sub.name()}`);
  };
  for (const command of program.commands) describe(command, `weft ${command.name()}`);
  return `<!-- Generated from the commands in packages/weft/src/cli/ by \`npm run gen\`. Edit the commands, not this file. -->

# \`weft\` command reference

\`weft\` runs the engine (\`start\`, \`dev\`, \`demo\`), checks flows (\`validate\`, \`schema\`), starts
runs (\`run\`), and inspects and repairs what happened (\`runs\`, \`exceptions\`, \`replay\`, \`calls\`)
by reading the database directly, so those work whether or not the engine is running.
Settings come from \`weft.config.yaml\`, \`WEFT_*\` variables and flags: see [config.md](config.md).

## Conventions

- **Output.** Data goes to stdout: a table, or JSON with \`--json\` (every listing has it). Messages,
  errors and progress go to stderr, so \`weft runs --json | jq\` always reads clean JSON.
- **Exit status.** 0 success; 1 failure (an invalid flow, a run that ended as an exception with
  \`run --wait\`, a replay that failed, any error); 2 a usage error (an unknown command or option, or an option value that does not parse).
- **Errors** are one line, \`weft: <what went wrong>\`. \`WEFT_DEBUG=1\` adds the stack trace.
- **Colour** only when stdout is a terminal and \`NO_COLOR\` is unset. The progress bar of a batch
  replay appears only when stderr is a terminal.
- **Times** are ISO 8601, UTC.
- **Stopping.** \`start\`, \`dev\` and \`demo\` stop on SIGTERM or SIGINT: they stop accepting
  webhooks, let in-flight runs finish for all but the last 5 s of \`shutdownTimeoutMs\`, hand the
  rest back to the queue, and exit 0. A second signal, or \`shutdownTimeoutMs\` passing before
  that is done, exits 1 at once; runs left mid-step are taken
  over by the next worker when their lease expires, and the effect ledger keeps their effects
  from repeating.
- \`weft start\` prints \`weft listening on <url>\` on stdout once it accepts webhooks.

## Typical use

\`\`\`sh
weft init shop-sync && cd shop-sync     # a config, a first flow, its JSON Schema, a test
weft validate                           # every problem as file:line:col, exit 1 if any; notes unset env vars
weft dev                                # serve; reload flows when their files change
weft run orders --input order.json --wait
weft exceptions --status open           # what needs a human
weft exceptions show exc_…              # why, where, the input, the last response
weft replay exc_… --input fixed.json    # run it again with an edited input
weft replay --flow orders --reason destination-down   # after an outage: every open one
weft calls --run run_… --full           # what was sent, and what came back
\`\`\`

## Commands

${sections.join('\n\n')}
`;
}
