import { Command, Option } from 'commander';
import { REASONS, type Reason } from '../../core/exception.ts';
import type { ExceptionRecord, ExceptionStatus, Store } from '../../store/store.ts';
import { addConfigOption, addSettingOptions, CliError, loadCliConfig, parsePositiveInteger, withParentFlags, withStore, type CliContext, type ConfigFlags } from '../context.ts';
import { createOutput, formatTime, RUN_STATUS_STYLE } from '../output.ts';

const EXCEPTION_STATUSES: ExceptionStatus[] = ['open', 'replayed', 'discarded', 'resolved'];

interface ExceptionsFlags extends ConfigFlags {
  flow?: string;
  reason?: Reason;
  status: ExceptionStatus | 'all';
  limit: number;
  json?: boolean;
}

export function exceptionsCommand(context: CliContext): Command {
  const command = new Command('exceptions')
    .enablePositionalOptions()
    .description('list exceptions: runs that need a human, newest first')
    .option('--flow <flowId>', 'only exceptions of this flow')
    .addOption(new Option('--reason <reason>', 'only this reason').choices(REASONS))
    .addOption(new Option('--status <status>', 'only this status; all: replayed, discarded and resolved ones too').choices([...EXCEPTION_STATUSES, 'all']).default('open'))
    .option('--limit <n>', 'at most this many', parsePositiveInteger, 50)
    .option('--json', 'print JSON');
  addConfigOption(command);
  addSettingOptions(command, ['db']);
  command.action(async (flags: ExceptionsFlags) => {
    const config = loadCliConfig(context, flags);
    const exceptions = await withStore(config, (store) =>
      store.listExceptions({
        limit: flags.limit,
        ...(flags.flow === undefined ? {} : { flowId: flags.flow }),
        ...(flags.reason === undefined ? {} : { reason: flags.reason }),
        ...(flags.status === 'all' ? {} : { status: flags.status }),
      }),
    );
    const out = createOutput(context);
    if (flags.json) return out.json(exceptions);
    if (exceptions.length === 0) return out.note(flags.status === 'all' ? 'no exceptions' : `no ${flags.status} exceptions`);
    out.table(exceptions, [
      { header: 'exception', value: (exception) => exception.id },
      { header: 'flow', value: (exception) => exception.flowId },
      { header: 'reason', value: (exception) => exception.reason },
      { header: 'status', value: (exception) => exception.status, style: (exception) => RUN_STATUS_STYLE[exception.status] },
      { header: 'created', value: (exception) => formatTime(exception.createdAt) },
      { header: 'message', value: (exception) => exception.message, maxWidth: 80 },
    ]);
  });

  const show = command
    .command('show')
    .description('one exception: why, where, the input and the last response')
    .argument('<exceptionId>')
    .option('--json', 'print JSON');
  addConfigOption(show);
  addSettingOptions(show, ['db']);
  show.action(async (id: string, _flags: unknown, self: Command) => {
    const flags = withParentFlags<{ json?: boolean }>(self);
    const config = loadCliConfig(context, flags);
    const exception = await withStore(config, (store) => getException(store, id));
    const out = createOutput(context);
    if (flags.json) return out.json(exception);
    out.line(`${out.style('bold', exception.id)}  ${exception.reason}  ${out.style(RUN_STATUS_STYLE[exception.status] ?? 'bold', exception.status)}`);
    out.line(exception.message);
    out.line();
    out.line(`flow      ${exception.flowId}`);
    out.line(`run       ${exception.runId}`);
    out.line(`step      ${exception.stepPath ?? '-'}`);
    out.line(`created   ${formatTime(exception.createdAt)}`);
    if (exception.resolvedAt !== null) out.line(`resolved  ${formatTime(exception.resolvedAt)}`);
    out.line();
    out.line(out.style('bold', 'input'));
    out.line(JSON.stringify(exception.input, null, 2) ?? 'none');
    out.line();
    out.line(out.style('bold', 'last response'));
    out.line(exception.lastResponse === null || exception.lastResponse === undefined ? 'none' : JSON.stringify(exception.lastResponse, null, 2));
  });

  const discard = command
    .command('discard')
    .description('close an open exception without running it again')
    .argument('<exceptionId>');
  addConfigOption(discard);
  addSettingOptions(discard, ['db']);
  discard.action(async (id: string, _flags: unknown, self: Command) => {
    const config = loadCliConfig(context, withParentFlags(self));
    await withStore(config, async (store) => {
      const exception = await getException(store, id);
      if (exception.status !== 'open') throw new CliError(`exception ${id} is already ${exception.status}`);
      await store.discardException(id, Date.now());
    });
    createOutput(context).line(`discarded ${id}`);
  });
  return command;
}

export async function getException(store: Store, id: string): Promise<ExceptionRecord> {
  const exception = await store.getException(id);
  if (!exception) throw new CliError(`no exception ${id}`);
  return exception;
}
