import { Command, Option } from 'commander';
import { REASONS, type Reason } from '../../core/exception.ts';
import { NotReplayableError, type ExceptionRecord, type Store } from '../../store/store.ts';
import type { LoadedFlow } from '../../flows/load-flow.ts';
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
      const { runId, flowNotHere } = await withStore(config, async (store) => {
        const exception = await getException(store, id);
        if (exception.status !== 'open') throw new CliError(`exception ${id} is already ${exception.status}`);
        return withProjectFlows(context, config, async (flows) => {
          const flow = flows.find((candidate) => candidate.flow.id === exception.flowId);
          if (flow === undefined && input !== undefined) {
            throw new CliError(
              `cannot replay ${id} with an edited input: no valid flow '${exception.flowId}' in ${config.flows.join(', ')}, so the ordering key of the edited input cannot be computed (the run would keep the key of the input it replaces); nothing was changed. Run it where the project's flows are (the flows setting, WEFT_FLOWS), or replay without --input`,
            );
          }
          let orderingKey: string | null | undefined;
          if (flow !== undefined) {
            const key = await replayOrderingKey(store, flow, exception, input);
            if ('failure' in key) {
              throw new CliError(
                input === undefined
                  ? `cannot replay ${id}: ${key.failure}; nothing was changed. Fix the flow's orderingKey, or replay with an --input it reads`
                  : `cannot replay ${id} with this input: ${key.failure}; nothing was changed`,
              );
            }
            orderingKey = key.orderingKey;
          }
          const replayed = await store.replayException(id, { now: Date.now(), ...(input === undefined ? {} : { input }), ...(orderingKey === undefined ? {} : { orderingKey }) });
          return { runId: replayed.runId, flowNotHere: flow === undefined ? exception.flowId : undefined };
        });
      });
      if (flags.json) out.json({ exceptionId: id, runId });
      else out.line(`replayed ${id}: run ${runId} is queued`);
      if (flowNotHere !== undefined) noteFlowsNotHere(context, config, [flowNotHere]);
      return;
    }

    const flowsNotHere = new Set<string>();
    const summary = await withStore(config, async (store): Promise<BatchReplaySummary> => {
      const exceptions = await store.listExceptions({
        status: 'open',
        limit: NO_LIMIT,
        ...(flags.flow === undefined ? {} : { flowId: flags.flow }),
        ...(flags.reason === undefined ? {} : { reason: flags.reason }),
      });
      return withProjectFlows(context, config, async (flows) => {
        const summary: BatchReplaySummary = { matched: exceptions.length, replayed: [], skipped: [], failed: [] };
        const progress = out.progress(exceptions.length, 'replaying');
        for (const exception of exceptions) {
          try {
            const flow = flows.find((candidate) => candidate.flow.id === exception.flowId);
            const key = flow === undefined ? {} : await replayOrderingKey(store, flow, exception, undefined);
            // Not replayed without a key: it would run unordered beside its record's later runs.
            if ('failure' in key) summary.failed.push({ exceptionId: exception.id, error: `${key.failure}; not replayed` });
            else {
              const { runId } = await store.replayException(exception.id, { now: Date.now(), ...key });
              summary.replayed.push({ exceptionId: exception.id, runId });
              if (flow === undefined) flowsNotHere.add(exception.flowId);
            }
          } catch (error) {
            if (error instanceof NotReplayableError) summary.skipped.push(exception.id);
            else summary.failed.push({ exceptionId: exception.id, error: (error as Error).message });
          }
          progress.tick();
        }
        progress.done();
        return summary;
      });
    });

    if (summary.failed.length > 0) context.exitCode = 1;
    noteFlowsNotHere(context, config, [...flowsNotHere]);
    if (flags.json) return out.json(summary);
    for (const failure of summary.failed) out.note(`weft: could not replay ${failure.exceptionId}: ${failure.error}`);
    const parts = [`replayed ${summary.replayed.length} of ${summary.matched} open exceptions`];
    if (summary.skipped.length > 0) parts.push(`${summary.skipped.length} already resolved`);
    if (summary.failed.length > 0) parts.push(`${summary.failed.length} failed`);
    out.line(parts.join('; '));
  });
}

/**
 * The ordering key the replayed run is queued under, read as ingest reads it by its flow in the
 * project's flow files, from the input it will run with: the edited one, or its own (the key
 * stored at ingest may be none, for an event refused because the expression failed on it and
 * replayed once the flow is fixed, or an old expression's). `failure` says why it cannot be read:
 * the replay is refused rather than run without a key.
 */
async function replayOrderingKey(store: Store, flow: LoadedFlow, exception: ExceptionRecord, input: unknown): Promise<{ orderingKey: string | null } | { failure: string }> {
  const { orderingKeyOfEditedInput, orderingKeyOfRunInput, OrderingKeyError } = await import('../../engine/engine.ts');
  const run = await store.getRun(exception.runId);
  if (run === undefined) throw new CliError(`no run ${exception.runId}`);
  try {
    return { orderingKey: input === undefined ? await orderingKeyOfRunInput(flow, run.event) : await orderingKeyOfEditedInput(flow, run.event, input) };
  } catch (error) {
    if (error instanceof OrderingKeyError) return { failure: error.message };
    throw error;
  }
}

/**
 * A replayed run waits for an engine that has its flow. When the project's flow files have no
 * valid flow of that id (renamed, removed, broken, or no flows here at all), say so: otherwise the
 * run sits queued with nothing to explain why. Without the flow its ordering key is not read
 * again: the run keeps the one stored with it, which only the flow could correct.
 */
function noteFlowsNotHere(context: CliContext, config: WeftConfig, flowIds: string[]): void {
  for (const flowId of flowIds) {
    createOutput(context).note(
      `weft: note: no valid flow '${flowId}' in ${config.flows.join(', ')}: its replayed runs keep their stored ordering key (not read again from their input) and stay queued until an engine that has the flow runs`,
    );
  }
}

/** The project's valid flows (their form only: no secrets are read), for as long as `use` runs. */
async function withProjectFlows<T>(context: CliContext, config: WeftConfig, use: (flows: LoadedFlow[]) => Promise<T>): Promise<T> {
  const [{ loadFlows }, { createExpressionEngine }] = await Promise.all([import('../../flows/load-flow.ts'), import('../../transforms/expression.ts')]);
  const engine = createExpressionEngine({ budgetMs: config.mappingBudgetMs });
  try {
    const { flows } = await loadFlows(config.flows, { engine, env: context.env, resolveEnv: false });
    return await use(flows);
  } finally {
    await engine.close();
  }
}
