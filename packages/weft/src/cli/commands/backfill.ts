import { Command } from 'commander';
import pino from 'pino';
import { createConfiguredEngine } from '../../main.ts';
import { PollPageLimitError, type PollOutcome, type Poller } from '../../engine/poller.ts';
import type { LoadedFlow } from '../../flows/load-flow.ts';
import { createExpressionEngine } from '../../transforms/expression.ts';
import { loadFlows, formatDiagnostic } from '../../flows/load-flow.ts';
import { readFlowSecrets } from '../../connectors/vault/open-vault.ts';
import { addConfigOption, addSettingOptions, CliError, loadCliConfig, parsePositiveInteger, type CliContext, type ConfigFlags } from '../context.ts';
import { createOutput } from '../output.ts';
import { withOutbound } from './connections.ts';

interface BackfillFlags extends ConfigFlags {
  since?: string;
  maxPolls: number;
  maxPages?: number;
}

/**
 * `weft backfill <flow> --since …`: polls the flow's trigger from a start point until it has
 * caught up, committing events (deduplicated) and the cursor as it goes. A running `weft start`
 * executes the runs; the cursor it then continues from is the one this left.
 */
export function backfillCommand(context: CliContext): Command {
  const command = new Command('backfill')
    .description("poll a flow's trigger from a start point until caught up (the runs execute in `weft start`)")
    .argument('<flowId>')
    .option('--since <cursor>', 'where to start, e.g. 2026-01-01 for a timestamp cursor (default: the stored cursor)')
    .option('--max-polls <n>', 'stop after this many polls', parsePositiveInteger, 10_000)
    .option('--max-pages <n>', 'stop a poll that has read this many pages, its cursor unmoved (default: no limit)', parsePositiveInteger);
  addConfigOption(command);
  addSettingOptions(command, ['db', 'flows']);
  return command.action(async (flowId: string, flags: BackfillFlags) => {
    const config = loadCliConfig(context, flags);
    const out = createOutput(context);
    const expressions = createExpressionEngine({ budgetMs: config.mappingBudgetMs });
    try {
      await withOutbound(config, async ({ store, outbound }) => {
        const { flows, diagnostics } = await loadFlows(config.flows, { engine: expressions, env: context.env, ...withSecrets(await readFlowSecrets(outbound.vault)) });
        if (diagnostics.length > 0) throw new CliError(`flows do not validate:\n${diagnostics.map(formatDiagnostic).join('\n')}`);
        const flow = flows.find((candidate) => candidate.flow.id === flowId);
        if (!flow) throw new CliError(`no flow '${flowId}' in ${config.flows.join(', ')}`);
        if (!('poll' in flow.flow.trigger)) throw new CliError(`flow '${flowId}' is not triggered by polling`);
        const log = pino({ level: 'silent' });
        const { engine, poller } = createConfiguredEngine(config, { store, outbound, log, flows: [], concurrency: 1, role: 'backfill' });
        let read: { records: number; accepted: number };
        try {
          read = await backfillPolls(poller, flow, {
            ...(flags.since === undefined ? {} : { since: flags.since }),
            maxPolls: flags.maxPolls,
            ...(flags.maxPages === undefined ? {} : { maxPages: flags.maxPages }),
            progress: (soFar, outcome) =>
              out.status(`backfill ${flowId}: ${soFar.records} records, ${soFar.accepted} new, cursor ${outcome.cursor ?? '(none)'}${percentDone(flags.since, outcome.cursor)}`),
          });
        } finally {
          await engine.stop(1_000);
        }
        if (context.stderr.isTTY === true) out.note('');
        out.line(`backfill ${flowId}: ${read.records} records read, ${read.accepted} new events committed`);
      });
    } finally {
      await expressions.close();
    }
  });
}

/**
 * Polls `flow` until it has caught up, or for `maxPolls` polls. Each poll reads every page
 * unless `maxPages` is given: the page limit of scheduled polls (MAX_PAGES_PER_POLL) guards them
 * against a pagination that never ends, and a backlog longer than it is exactly what a scheduled
 * poll cannot get past (its cursor moves only after the last page), so a backfill, which an
 * operator asked for, reads on.
 */
export async function backfillPolls(
  poller: Pick<Poller, 'pollOnce'>,
  flow: LoadedFlow,
  options: { since?: string; maxPolls: number; maxPages?: number; progress?: (soFar: { records: number; accepted: number }, outcome: PollOutcome) => void },
): Promise<{ records: number; accepted: number }> {
  const soFar = { records: 0, accepted: 0 };
  const maxPages = options.maxPages ?? Infinity;
  for (let poll = 0; poll < options.maxPolls; poll++) {
    let outcome: PollOutcome;
    try {
      outcome = await poller.pollOnce(flow, poll === 0 && options.since !== undefined ? { since: options.since, maxPages } : { maxPages });
    } catch (error) {
      if (!(error instanceof PollPageLimitError)) throw error;
      throw new CliError(`backfill ${flow.flow.id} stopped at --max-pages ${maxPages}: ${error.message}. Run it again with a higher --max-pages, or without it, to read to the end`);
    }
    soFar.records += outcome.records;
    soFar.accepted += outcome.accepted;
    options.progress?.({ ...soFar }, outcome);
    if (!outcome.hasMore) break;
  }
  return soFar;
}

/** For timestamp cursors, how far from the start point to now the cursor has come. */
function percentDone(since: string | undefined, cursor: string | undefined): string {
  const start = since === undefined ? NaN : Date.parse(since);
  const at = cursor === undefined ? NaN : Date.parse(cursor);
  if (Number.isNaN(start) || Number.isNaN(at)) return '';
  const share = (at - start) / Math.max(1, Date.now() - start);
  return ` (${Math.min(100, Math.max(0, Math.round(share * 100)))}%)`;
}

function withSecrets(secrets: Record<string, string> | undefined) {
  return secrets ? { secrets } : {};
}
