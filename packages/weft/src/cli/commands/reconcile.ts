import { Command } from 'commander';
import { addConfigOption, addSettingOptions, CliError, loadCliConfig, withStore, type CliContext, type ConfigFlags } from '../context.ts';
import { createOutput, formatTime } from '../output.ts';

/** `weft reconcile report [id]`: what reconcile steps found. */
export function reconcileCommand(context: CliContext): Command {
  const command = new Command('reconcile').description('results of reconcile steps: matched, missing and different records');

  const report = new Command('report')
    .description('list reconciliation reports, newest first, or show one with its unmatched records')
    .argument('[id]', 'a report id (rec_…)')
    .option('--flow <id>', 'only reports of this flow')
    .option('--limit <n>', 'at most this many reports', '20')
    .option('--json', 'print JSON');
  addConfigOption(report);
  addSettingOptions(report, ['db']);
  report.action(async (id: string | undefined, flags: ConfigFlags & { flow?: string; limit: string; json?: boolean }) => {
    const limit = Number(flags.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new CliError(`--limit must be a positive whole number, got '${flags.limit}'`);
    const config = loadCliConfig(context, flags);
    const out = createOutput(context);
    if (id !== undefined) {
      const found = await withStore(config, (store) => store.reconciliations.get(id));
      if (found === undefined) throw new CliError(`no reconciliation report '${id}' (see \`weft reconcile report\`)`);
      if (flags.json) return out.json(found);
      out.line(`${found.id}  ${found.flowId}  ${formatTime(found.at)}  ${found.entity}: ${found.sourceSystem} → ${found.targetSystem}`);
      out.line(`matched ${found.matched}  missing ${found.missing}  different ${found.different}`);
      if (found.items.length === 0) return;
      out.table(found.items, [
        { header: 'status', value: (item) => item.status },
        { header: 'record', value: (item) => item.name },
        { header: found.sourceSystem, value: (item) => item.sourceId },
        { header: found.targetSystem, value: (item) => item.targetId ?? '—' },
        {
          header: 'detail',
          value: (item) =>
            item.status === 'different'
              ? `${JSON.stringify(item.sourceValue)} ≠ ${JSON.stringify(item.targetValue)}`
              : item.action === undefined
                ? 'reported'
                : item.action.kind === 'exception'
                  ? `exception ${item.action.exceptionId} (weft replay ${item.action.exceptionId})`
                  : item.action.kind === 'redrive'
                    ? `re-driven: run ${item.action.runId}`
                    : `handed over earlier: run ${item.action.runId}`,
        },
      ]);
      return;
    }
    const reports = await withStore(config, (store) => store.reconciliations.list({ limit, ...(flags.flow ? { flowId: flags.flow } : {}) }));
    if (flags.json) return out.json(reports);
    if (reports.length === 0) return out.note('no reconciliation reports yet (a flow with a reconcile step records one per run)');
    out.table(reports, [
      { header: 'id', value: (r) => r.id },
      { header: 'flow', value: (r) => r.flowId },
      { header: 'at', value: (r) => formatTime(r.at) },
      { header: 'entity', value: (r) => `${r.entity}: ${r.sourceSystem} → ${r.targetSystem}` },
      { header: 'matched', value: (r) => String(r.matched) },
      { header: 'missing', value: (r) => String(r.missing) },
      { header: 'different', value: (r) => String(r.different) },
    ]);
  });

  return command.addCommand(report);
}
