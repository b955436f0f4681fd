import { Command } from 'commander';
import { addConfigOption, addSettingOptions, loadCliConfig, type CliContext, type ConfigFlags } from '../context.ts';
import { serveUntilSignal } from '../serve.ts';

export function demoCommand(context: CliContext): Command {
  const command = new Command('demo').description('order to cash over vendor sandboxes: Shopify orders through NetSuite, Stripe, QuickBooks, FedEx and Twilio, with faults');
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
