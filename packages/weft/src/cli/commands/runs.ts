import { Command, Option } from 'commander';
import type { RunStatus, StepCheckpoint } from '../../core/run.ts';
import { addConfigOption, addSettingOptions, CliError, NO_LIMIT, loadCliConfig, parsePositiveInteger, withParentFlags, withStore, type CliContext, type ConfigFlags } from '../context.ts';
import { createOutput, formatTime, RUN_STATUS_STYLE } from '../output.ts';

/** A `when` that was false says what it did; "skipped" alone read as if the condition itself was skipped. */
const OUTCOME_TEXT: Record<StepCheckpoint['outcome'], string> = {
  done: 'done',
  skipped: 'false: the next step was skipped',
  ended: 'false: ended here',
};

const RUN_STATUSES: RunStatus[] = ['queued', 'running', 'waiting', 'succeeded', 'exception'];

interface RunsFlags extends ConfigFlags {
  flow?: string;
  status?: RunStatus;
  limit: number;
  json?: boolean;
}

export function runsCommand(context: CliContext): Command {
  const command = new Command('runs')
    .enablePositionalOptions()
    .description('list runs, newest first')
    .option('--flow <flowId>', 'only runs of this flow')
    .addOption(new Option('--status <status>', 'only runs in this state').choices(RUN_STATUSES))
    .option('--limit <n>', 'at most this many', parsePositiveInteger, 50)
    .option('--json', 'print JSON');
  addConfigOption(command);
  addSettingOptions(command, ['db']);
  command.action(async (flags: RunsFlags) => {
    const config = loadCliConfig(context, flags);
    const runs = await withStore(config, (store) =>
      store.listRuns({
        limit: flags.limit,
        ...(flags.flow === undefined ? {} : { flowId: flags.flow }),
        ...(flags.status === undefined ? {} : { status: flags.status }),
      }),
    );
    const out = createOutput(context);
    if (flags.json) return out.json(runs);
    if (runs.length === 0) return out.note('no runs');
    out.table(runs, [
      { header: 'run', value: (run) => run.id },
      { header: 'flow', value: (run) => run.flowId },
      { header: 'status', value: (run) => run.status, style: (run) => RUN_STATUS_STYLE[run.status] },
      { header: 'created', value: (run) => formatTime(run.createdAt) },
      { header: 'finished', value: (run) => formatTime(run.finishedAt) },
      { header: 'last error', value: (run) => run.lastError ?? '' },
    ]);
  });

  const show = command
    .command('show')
    .description('one run: its event, completed steps and exceptions')
    .argument('<runId>')
    .option('--json', 'print JSON');
  addConfigOption(show);
  addSettingOptions(show, ['db']);
  show.action(async (runId: string, _flags: unknown, self: Command) => {
    const flags = withParentFlags<{ json?: boolean }>(self);
    const config = loadCliConfig(context, flags);
    const { run, exceptions } = await withStore(config, async (store) => {
      const run = await store.getRun(runId);
      if (!run) throw new CliError(`no run ${runId}`);
      // The port filters exceptions by flow, not run; a flow's exceptions are few enough to scan.
      const exceptions = await store.listExceptions({ runId, limit: NO_LIMIT });
      return { run, exceptions };
    });
    const out = createOutput(context);
    if (flags.json) return out.json({ run, exceptions });

    out.line(`${out.style('bold', run.id)}  ${run.flowId}  ${out.style(RUN_STATUS_STYLE[run.status] ?? 'bold', run.status)}`);
    out.line(`event     ${run.eventId} (${run.event.source}, received ${run.event.receivedAt})`);
    out.line(`created   ${formatTime(run.createdAt)}`);
    out.line(`updated   ${formatTime(run.updatedAt)}`);
    if (run.finishedAt !== null) out.line(`finished  ${formatTime(run.finishedAt)}`);
    else out.line(`due       ${formatTime(run.dueAt)}`);
    if (run.orderingKey !== null) out.line(`ordering  ${run.orderingKey}`);
    if (run.lastError !== null) out.line(`error     ${out.style('red', run.lastError)}`);
    out.line();
    if (run.checkpoints.length === 0) out.line('no steps completed');
    else {
      out.table(run.checkpoints, [
        { header: 'step', value: (checkpoint) => checkpoint.path },
        { header: 'outcome', value: (checkpoint) => OUTCOME_TEXT[checkpoint.outcome] },
        { header: 'output', value: (checkpoint) => JSON.stringify(checkpoint.output) ?? '', maxWidth: 80 },
      ]);
    }
    for (const exception of exceptions) {
      out.line();
      out.line(`${out.style('bold', exception.id)}  ${exception.reason}  ${out.style(RUN_STATUS_STYLE[exception.status] ?? 'bold', exception.status)}`);
      out.line(`  ${exception.message}`);
    }
  });
  return command;
}
