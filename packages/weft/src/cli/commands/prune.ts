import { Command } from 'commander';
import { retentionMs } from '../../config.ts';
import { PruneError, type PruneCounts } from '../../store/store.ts';
import { addConfigOption, addSettingOptions, loadCliConfig, withStore, type CliContext, type ConfigFlags } from '../context.ts';
import { createOutput, formatTime } from '../output.ts';

/** What `weft prune --json` prints. */
export interface PruneReport {
  dryRun: boolean;
  /** ISO 8601; null when that retention is off. */
  runsFinishedBefore: string | null;
  callsBefore: string | null;
  counts: PruneCounts;
  /** Another process was pruning the same store (PostgreSQL): this one stopped and left the rest to it. */
  yieldedToAnother: boolean;
}

/**
 * `weft prune`: what `weft start` does every hour (ADR-0015), now, with the configured
 * `retentionRuns` and `retentionCalls`; with --dry-run, only the counts. Safe while the engine
 * runs: each batch is its own short transaction, and on PostgreSQL only one process prunes at a time.
 */
export function pruneCommand(context: CliContext): Command {
  const command = new Command('prune')
    .description(
      'delete finished runs older than retentionRuns (with their event, checkpoints, effects, calls and closed exceptions), bulk jobs finished before then (with their items) and calls older than retentionCalls, ' +
        'as weft start does every hour; never a run on its way, with an open exception, or a reconciliation hand-over',
    )
    .option('--dry-run', 'count what would be deleted, delete nothing')
    .option('--json', 'print JSON');
  addConfigOption(command);
  addSettingOptions(command, ['db']);
  command.action(async (flags: ConfigFlags & { dryRun?: boolean; json?: boolean }) => {
    const config = loadCliConfig(context, flags);
    const now = Date.now();
    const runsMs = retentionMs(config.retentionRuns);
    const callsMs = retentionMs(config.retentionCalls);
    const runsFinishedBefore = runsMs === undefined ? undefined : now - runsMs;
    const callsBefore = callsMs === undefined ? undefined : now - callsMs;
    const isDryRun = flags.dryRun === true;
    const out = createOutput(context);
    if (runsFinishedBefore === undefined && callsBefore === undefined) out.note('retention is off (retentionRuns and retentionCalls): nothing is pruned');
    const result = await withStore(config, (store) =>
      store.retention.prune({
        dryRun: isDryRun,
        ...(runsFinishedBefore === undefined ? {} : { runsFinishedBefore }),
        ...(callsBefore === undefined ? {} : { callsBefore }),
      }),
    ).catch((error: unknown) => {
      // The batches committed before the failure stay deleted: say what they took.
      if (error instanceof PruneError) out.note(`deleted before the failure: ${describeCounts(error.counts)}`);
      throw error;
    });
    const report: PruneReport = {
      dryRun: isDryRun,
      runsFinishedBefore: runsFinishedBefore === undefined ? null : formatTime(runsFinishedBefore),
      callsBefore: callsBefore === undefined ? null : formatTime(callsBefore),
      counts: result.counts,
      yieldedToAnother: result.yieldedToAnother,
    };
    if (result.yieldedToAnother) out.note('another process is pruning this store: it carries on, this one stopped (the counts are what this one deleted)');
    if (flags.json) return out.json(report);
    const cutoffs = [
      report.runsFinishedBefore === null ? 'runs: kept (retentionRuns off)' : `runs finished before ${report.runsFinishedBefore}`,
      report.callsBefore === null ? 'calls: kept with their runs (retentionCalls off)' : `calls before ${report.callsBefore}`,
    ];
    out.line(`${isDryRun ? 'would delete' : 'deleted'}, ${cutoffs.join('; ')}:`);
    out.table(Object.entries(result.counts), [
      { header: 'table', value: ([table]) => table },
      { header: 'rows', value: ([, rows]) => String(rows) },
    ]);
  });
  return command;
}

/** The tables with rows, as `runs 2, events 2`; `nothing` when none has. */
function describeCounts(counts: PruneCounts): string {
  const deleted = Object.entries(counts).filter(([, rows]) => rows > 0);
  return deleted.length === 0 ? 'nothing' : deleted.map(([table, rows]) => `${table} ${rows}`).join(', ');
}
