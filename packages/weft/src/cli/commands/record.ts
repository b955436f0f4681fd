import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { Command } from 'commander';
import type { WeftConfig } from '../../config.ts';
import { addConfigOption, addSettingOptions, CliError, loadCliConfig, withStore, type CliContext, type ConfigFlags } from '../context.ts';
import { createOutput } from '../output.ts';

interface RecordFlags extends ConfigFlags {
  run: string;
  out?: string;
  test?: string;
}

export function recordCommand(context: CliContext): Command {
  const command = new Command('record')
    .description("write a finished run's event and calls (from the audit log, credentials removed) as a recording `weft test` replays")
    .requiredOption('--run <runId>', 'the run to record')
    .option('-o, --out <file>', 'the recording, JSON or .yaml (default: tests/recordings/<runId>.json)')
    .option('--test <file>', 'also write a flow test that replays the recording (e.g. tests/orders.test.yaml)');
  addConfigOption(command);
  addSettingOptions(command, ['db', 'flows']);
  return command.action(async (flags: RecordFlags) => {
    const config = loadCliConfig(context, flags);
    const outFile = resolve(context.cwd, flags.out ?? join('tests', 'recordings', `${flags.run}.json`));
    const testFile = flags.test === undefined ? undefined : resolve(context.cwd, flags.test);
    // Check everything before writing anything, so a refusal leaves the files as they were.
    const existing = [outFile, ...(testFile ? [testFile] : [])].filter((file) => existsSync(file));
    if (existing.length > 0) throw new CliError(`not overwriting ${existing.map((file) => relative(context.cwd, file)).join(', ')}; nothing was written`);

    const { recordRun, RecordError } = await import('../../flow-tests/record-run.ts');
    const { readCredentialValues } = await import('../../flow-tests/credential-values.ts');
    const { formatRecording } = await import('../../flow-tests/recording-file.ts');
    const flow = await readFlowOfRun(config, context, flags.run);
    const recording = await withStore(config, async (store) => {
      try {
        const trigger = flow?.trigger;
        const triggerConnection = trigger === undefined ? undefined : 'webhook' in trigger ? trigger.webhook.connection : 'poll' in trigger ? trigger.poll.connection : undefined;
        return await recordRun(store, flags.run, {
          redactFields: config.redactFields,
          credentials: await readCredentialValues(store, context.env),
          ...(triggerConnection === undefined ? {} : { connectionIds: [triggerConnection] }),
        });
      } catch (error) {
        if (error instanceof RecordError) throw new CliError(error.message);
        throw error;
      }
    });
    const out = createOutput(context);
    mkdirSync(dirname(outFile), { recursive: true });
    writeFileSync(outFile, formatRecording(recording, outFile), { flag: 'wx' });
    out.line(`recorded run ${recording.run} (${recording.status}, ${recording.calls.length} call${recording.calls.length === 1 ? '' : 's'}) to ${relative(context.cwd, outFile)}`);
    if (testFile) {
      const { testSkeleton } = await import('../../flow-tests/test-skeleton.ts');
      mkdirSync(dirname(testFile), { recursive: true });
      writeFileSync(testFile, testSkeleton(recording, relative(dirname(testFile), outFile), flow), { flag: 'wx' });
      out.line(`wrote a test that replays it to ${relative(context.cwd, testFile)}`);
    }
  });
}

/** The run's flow as its file says, unresolved (no variables needed): for its trigger's connection and secret. */
async function readFlowOfRun(config: WeftConfig, context: CliContext, runId: string) {
  const run = await withStore(config, (store) => store.getRun(runId));
  if (!run) throw new CliError(`there is no run ${runId}`);
  const { loadFlows } = await import('../../flows/load-flow.ts');
  const { createExpressionEngine } = await import('../../transforms/expression.ts');
  const engine = createExpressionEngine();
  try {
    const { flows } = await loadFlows(config.flows, { engine, env: context.env, resolveEnv: false });
    return flows.find((loaded) => loaded.flow.id === run.flowId)?.flow;
  } finally {
    await engine.close();
  }
}
