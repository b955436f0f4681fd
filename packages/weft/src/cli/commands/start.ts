import { Command } from 'commander';
import { addConfigOption, addSettingOptions, loadCliConfig, type CliContext, type ConfigFlags } from '../context.ts';
import { serveUntilSignal } from '../serve.ts';

export function startCommand(context: CliContext): Command {
  return serverCommand(context, 'start', 'run the engine and the HTTP server until SIGTERM/SIGINT', { watch: false });
}

/** `weft start` and `weft dev` differ only in reloading flows when their files change. */
export function serverCommand(context: CliContext, name: string, description: string, options: { watch: boolean }): Command {
  const command = new Command(name).description(description);
  addConfigOption(command);
  addSettingOptions(command, ['host', 'port', 'db', 'flows']);
  return command.action(async (flags: ConfigFlags) => {
    const config = loadCliConfig(context, flags);
    const { startWeft } = await import('../../main.ts');
    const code = await serveUntilSignal(
      context,
      // startWeft prints "weft listening on <url>" once it accepts webhooks.
      () =>
        startWeft(config, {
          watch: options.watch,
          stdout: (line) => context.stdout.write(line + '\n'),
          stderr: (line) => context.stderr.write(`weft: ${line}\n`),
        }),
      { shutdownTimeoutMs: config.shutdownTimeoutMs },
    );
    context.exit(code);
  });
}
