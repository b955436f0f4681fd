import { Command } from 'commander';
import { addConfigOption, addSettingOptions, loadCliConfig, type CliContext, type ConfigFlags } from '../context.ts';
import { serveUntilSignal } from '../serve.ts';

export function demoCommand(context: CliContext): Command {
  const command = new Command('demo').description('run a shop, Weft and a flaky ERP together, and watch orders flow');
  addConfigOption(command);
  addSettingOptions(command, ['port', 'db']);
  return command.action(async (flags: ConfigFlags) => {
    const config = loadCliConfig(context, flags);
    const { runDemo } = await import('../../demo/run-demo.ts');
    const code = await serveUntilSignal(context, () => runDemo(config, { stdout: (line) => context.stdout.write(line + '\n') }), {
      shutdownTimeoutMs: config.shutdownTimeoutMs,
    });
    context.exit(code);
  });
}
