import { Command } from 'commander';
import { addConfigOption, addSettingOptions, CliError, loadCliConfig, withStore, type CliContext, type ConfigFlags } from '../context.ts';
import { createOutput, formatTime } from '../output.ts';
import { describeValue } from '../../engine/steps/reconcile-compare.ts';
import { MAX_HAND_OVERS_PER_RUN, type ReconcileOutput, type ReconcileReportItem } from '../../engine/steps/reconcile-step.ts';
import type { ReconciliationReport } from '../../store/store.ts';

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
      const found = await withStore(config, async (store) => {
        const report = await store.reconciliations.get(id);
        // Counts the report has no column for are in the step's output, checkpointed with its run.
        const run = report === undefined ? undefined : await store.getRun(report.runId);
        const output = run?.checkpoints.find((checkpoint) => checkpoint.path === report!.stepPath)?.output as Partial<ReconcileOutput> | undefined;
        return report === undefined ? undefined : { report, duplicates: output?.duplicates ?? 0 };
      });
      if (found === undefined) throw new CliError(`no reconciliation report '${id}' (see \`weft reconcile report\`)`);
      const { report: shown, duplicates } = found;
      const items = (shown.items as ReconcileReportItem[]).map((item) =>
        // A value nobody had is no value: shown as null, not dropped from the JSON (older reports left it out).
        item.status === 'different' ? { ...item, sourceValue: item.sourceValue ?? null, targetValue: item.targetValue ?? null } : item,
      );
      const settling = items.filter((item) => item.settling !== undefined).length;
      const notHandedOver = items.filter((item) => item.notHandedOver !== undefined).length;
      const orphans = items.filter((item) => item.status === 'orphan').length;
      if (flags.json) return out.json({ ...shown, settling, notHandedOver, duplicates, orphans, items });
      out.line(`${shown.id}  ${shown.flowId}  ${formatTime(shown.at)}  ${shown.entity}: ${shown.sourceSystem} → ${shown.targetSystem}`);
      out.line(
        [
          `matched ${shown.matched}  missing ${shown.missing}  different ${shown.different}`,
          ...(settling > 0 ? [`settling ${settling} (changed too recently to judge, or its own run still on its way)`] : []),
          ...(notHandedOver > 0 ? [`not handed over ${notHandedOver} (over the limit of ${MAX_HAND_OVERS_PER_RUN} a run)`] : []),
          ...(duplicates > 0 ? [`listed twice ${duplicates} (judged once)`] : []),
          ...(orphans > 0 ? [`orphans ${orphans} (${shown.targetSystem} records no ${shown.sourceSystem} record links to)`] : []),
        ].join('  '),
      );
      if (items.length === 0) return;
      out.table(items, [
        { header: 'status', value: (item) => (item.settling ? `settling (${item.status})` : item.status) },
        { header: 'record', value: (item) => item.name },
        { header: shown.sourceSystem, value: (item) => item.sourceId ?? '—' },
        { header: shown.targetSystem, value: (item) => item.targetId ?? '—' },
        // The last column, never cut: it holds the command to run next.
        { header: 'detail', value: (item) => detailOf(item, shown), maxWidth: Number.MAX_SAFE_INTEGER },
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
      { header: 'settling', value: (r) => String(r.settling) },
      { header: 'orphans', value: (r) => String(r.orphans) },
      { header: 'over limit', value: (r) => String(r.notHandedOver) },
    ]);
  });

  return command.addCommand(report);
}

/** What was found and done about one record, in the operator's words, with the command to run next. */
function detailOf(item: ReconcileReportItem, report: ReconciliationReport): string {
  const values = item.status === 'different' ? `${describeValue(item.sourceValue)} ≠ ${describeValue(item.targetValue)}` : undefined;
  if (item.inFlight) {
    // Its own run will link it (or its exception is a person's): a hand-over beside it could create it twice.
    const run = item.inFlight.exceptionId === undefined ? `its own run ${item.inFlight.runId} is still on its way` : `its own run ${item.inFlight.runId} is parked as exception ${item.inFlight.exceptionId} (weft replay ${item.inFlight.exceptionId})`;
    return `${run}: judged on a later run once it has ended${values ? ` (now ${values})` : ''}`;
  }
  if (item.settling) return `changed within the settle window: judged on a later run${values ? ` (now ${values})` : ''}`;
  // Never handed over: its repair would be deleting it, and a record made by hand may be wanted.
  if (item.status === 'orphan') {
    return (
      `no ${report.sourceSystem} ${report.entity} links to it (a duplicate, or made in ${report.targetSystem} by hand): check it in ${report.targetSystem}, nothing deletes it; ` +
      `if it is a ${report.sourceSystem} ${report.entity}'s, weft xref set ${report.entity} ${report.sourceSystem}:<id> ${report.targetSystem}:${item.targetId}`
    );
  }
  if (values !== undefined) return values;
  // Linked to a target id the target records did not include: a repair would reuse the link and create nothing.
  const unlink = item.targetId === undefined ? '' : `weft xref unlink ${report.entity} ${report.targetSystem}:${item.targetId}`;
  const action = item.action;
  if (action === undefined) {
    const handOver = item.notHandedOver === 'over-limit' ? `not handed over: over the limit of ${MAX_HAND_OVERS_PER_RUN} a run (a later run hands it over)` : 'reported';
    return unlink === '' ? handOver : `${handOver}; linked to ${report.targetSystem} ${item.targetId}, which the ${report.targetSystem} records did not include: if it is gone, ${unlink}`;
  }
  const exception = action.exceptionId === undefined ? `the exception of run ${action.runId}` : `exception ${action.exceptionId}`;
  const replay = action.exceptionId === undefined ? '' : unlink === '' ? ` (weft replay ${action.exceptionId})` : ` (if ${report.targetSystem} ${item.targetId} is gone: ${unlink}, then weft replay ${action.exceptionId})`;
  if (action.kind === 'exception') return `${exception}${replay}`;
  if (action.kind === 'redrive') return `re-driven: run ${action.runId}`;
  return `still open from an earlier run: ${exception}${replay}`;
}
