import { Command } from 'commander';
import { addConfigOption, addSettingOptions, loadCliConfig, readJsonFile, type CliContext, type ConfigFlags } from '../context.ts';
import { createOutput, RUN_STATUS_STYLE } from '../output.ts';

interface RunFlags extends ConfigFlags {
  input: string;
  wait?: boolean;
  json?: boolean;
}

export function runCommand(context: CliContext): Command {
  const command = new Command('run')
    .description('start a run of a flow with a JSON input (the event body)')
    .argument('<flowId>', 'the flow to run')
    .requiredOption('-i, --input <file>', 'JSON file with the input')
    .option('-w, --wait', 'execute the run here until it ends (exit 1 when it ends as an exception) or waits (a delay, a retry: weft start continues it)')
    .option('--json', 'print {"runId", "status"} as JSON');
  addConfigOption(command);
  addSettingOptions(command, ['db', 'flows']);
  return command.action(async (flowId: string, flags: RunFlags) => {
    const config = loadCliConfig(context, flags);
    const input = readJsonFile(context.cwd, flags.input);
    const { runManual } = await import('../../main.ts');
    const result = await runManual(config, flowId, input, { wait: flags.wait === true });
    const out = createOutput(context);
    if (flags.json) out.json(result);
    else if (flags.wait) out.line(`${result.runId} ${out.style(RUN_STATUS_STYLE[result.status] ?? 'bold', result.status)}`);
    else out.line(result.runId);
    if (result.status === 'exception') context.exitCode = 1;
    if (result.dueAt !== undefined) {
      out.note(`the run waits until ${new Date(result.dueAt).toISOString()} (a delay, a retry or a destination's pause); weft start or weft dev on this database continues it`);
    }
  });
}
