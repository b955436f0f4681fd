import { Command, Option } from 'commander';
import { REASONS, type Reason } from '../../core/exception.ts';
import { NotReplayableError } from '../../store/store.ts';
import type { WeftConfig } from '../../config.ts';
import { addConfigOption, addSettingOptions, CliError, NO_LIMIT, loadCliConfig, readJsonFile, withStore, type CliContext, type ConfigFlags } from '../context.ts';
import { createOutput } from '../output.ts';
import { getException } from './exceptions.ts';

interface ReplayFlags extends ConfigFlags {
  input?: string;
  flow?: string;
  reason?: Reason;
  json?: boolean;
}

export interface BatchReplaySummary {
  matched: number;
  replayed: Array<{ exceptionId: string; runId: string }>;
  /** Resolved by someone else between listing and replaying. */
  skipped: string[];
  failed: Array<{ exceptionId: string; error: string }>;
}

export function replayCommand(context: CliContext): Command {
  const command = new Command('replay')
    .description('queue an exception\'s run again; or, with --flow/--reason, every open exception that matches')
    .argument('[exceptionId]', 'the exception to replay')
    .option('-i, --input <file>', 'replace the run\'s input with this JSON file (one exception only)')
    .option('--flow <flowId>', 'batch: open exceptions of this flow')
    .addOption(new Option('--reason <reason>', 'batch: open exceptions with this reason').choices(REASONS))
    .option('--json', 'print JSON');
  addConfigOption(command);
  addSettingOptions(command, ['db']);
  return command.action(async (id: string | undefined, flags: ReplayFlags) => {
    const isBatch = flags.flow !== undefined || flags.reason !== undefined;
    if (id !== undefined && isBatch) throw new CliError('give an exception id or --flow/--reason, not both');
    if (id === undefined && !isBatch) throw new CliError('give an exception id, or --flow and/or --reason to replay a batch');
    if (isBatch && flags.input !== undefined) throw new CliError('--input replaces one exception\'s input; it cannot be used with --flow/--reason');

    const config = loadCliConfig(context, flags);
    const out = createOutput(context);
    if (id !== undefined) {
      const input = flags.input === undefined ? undefined : readJsonFile(context.cwd, flags.input);
      const { runId, flowId } = await withStore(config, async (store) => {
        const exception = await getException(store, id);
        if (exception.status !== 'open') throw new CliError(`exception ${id} is already ${exception.status}`);
        const replayed = await store.replayException(id, { now: Date.now(), ...(flags.input === undefined ? {} : { input }) });
        return { ...replayed, flowId: exception.flowId };
      });
      if (flags.json) out.json({ exceptionId: id, runId });
      else out.line(`replayed ${id}: run ${runId} is queued`);
      await noteFlowsNotHere(context, config, [flowId]);
      return;
    }

    const replayedFlows = new Set<string>();
    const summary = await withStore(config, async (store): Promise<BatchReplaySummary> => {
      const exceptions = await store.listExceptions({
        status: 'open',
        limit: NO_LIMIT,
        ...(flags.flow === undefined ? {} : { flowId: flags.flow }),
        ...(flags.reason === undefined ? {} : { reason: flags.reason }),
      });
      const summary: BatchReplaySummary = { matched: exceptions.length, replayed: [], skipped: [], failed: [] };
      const progress = out.progress(exceptions.length, 'replaying');
      for (const exception of exceptions) {
        try {
          const { runId } = await store.replayException(exception.id, { now: Date.now() });
          summary.replayed.push({ exceptionId: exception.id, runId });
          replayedFlows.add(exception.flowId);
        } catch (error) {
          if (error instanceof NotReplayableError) summary.skipped.push(exception.id);
          else summary.failed.push({ exceptionId: exception.id, error: (error as Error).message });
        }
        progress.tick();
      }
      progress.done();
      return summary;
    });

    if (summary.failed.length > 0) context.exitCode = 1;
    if (replayedFlows.size > 0) await noteFlowsNotHere(context, config, [...replayedFlows]);
    if (flags.json) return out.json(summary);
    for (const failure of summary.failed) out.note(`weft: could not replay ${failure.exceptionId}: ${failure.error}`);
    const parts = [`replayed ${summary.replayed.length} of ${summary.matched} open exceptions`];
    if (summary.skipped.length > 0) parts.push(`${summary.skipped.length} already resolved`);
    if (summary.failed.length > 0) parts.push(`${summary.failed.length} failed`);
    out.line(parts.join('; '));
  });
}

/**
 * A replayed run waits for an engine that has its flow. When the project's flow files have no
 * valid flow of that id (renamed, removed, or broken), say so: otherwise the run sits queued
 * with nothing to explain why.
 */
async function noteFlowsNotHere(context: CliContext, config: WeftConfig, flowIds: string[]): Promise<void> {
  const [{ loadFlows }, { createExpressionEngine }] = await Promise.all([import('../../flows/load-flow.ts'), import('../../transforms/expression.ts')]);
  const engine = createExpressionEngine({ budgetMs: config.mappingBudgetMs });
  try {
    const { flows } = await loadFlows(config.flows, { engine, env: context.env, resolveEnv: false });
    const here = new Set(flows.map((flow) => flow.flow.id));
    for (const flowId of flowIds.filter((id) => !here.has(id))) {
      createOutput(context).note(`weft: note: no valid flow '${flowId}' in ${config.flows.join(', ')}; its runs stay queued until an engine that has it runs`);
    }
  } finally {
    await engine.close();
  }
}
