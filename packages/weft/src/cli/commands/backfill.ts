import { Command } from 'commander';
import pino from 'pino';
import { createConfiguredEngine } from '../../main.ts';
import { createExpressionEngine } from '../../transforms/expression.ts';
import { loadFlows, formatDiagnostic } from '../../flows/load-flow.ts';
import { readFlowSecrets } from '../../connectors/vault/open-vault.ts';
import { addConfigOption, addSettingOptions, CliError, loadCliConfig, type CliContext, type ConfigFlags } from '../context.ts';
import { createOutput } from '../output.ts';
import { withOutbound } from './connections.ts';

interface BackfillFlags extends ConfigFlags {
  since?: string;
  maxPolls: number;
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
    .option('--max-polls <n>', 'stop after this many polls', (text: string) => Number(text), 10_000);
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
        let records = 0;
        let accepted = 0;
        try {
          for (let poll = 0; poll < flags.maxPolls; poll++) {
            const outcome = await poller.pollOnce(flow, poll === 0 && flags.since !== undefined ? { since: flags.since } : {});
            records += outcome.records;
            accepted += outcome.accepted;
            out.status(`backfill ${flowId}: ${records} records, ${accepted} new, cursor ${outcome.cursor ?? '(none)'}${percentDone(flags.since, outcome.cursor)}`);
            if (!outcome.hasMore) break;
          }
        } finally {
          await engine.stop(1_000);
        }
        if (context.stderr.isTTY === true) out.note('');
        out.line(`backfill ${flowId}: ${records} records read, ${accepted} new events committed`);
      });
    } finally {
      await expressions.close();
    }
  });
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
