import { Command } from 'commander';
import type { CallRecord } from '../../store/store.ts';
import { addConfigOption, addSettingOptions, loadCliConfig, parsePositiveInteger, withStore, type CliContext, type ConfigFlags } from '../context.ts';
import { createOutput, formatDuration, formatTime, type Output, type Style } from '../output.ts';

interface CallsFlags extends ConfigFlags {
  run?: string;
  limit: number;
  full?: boolean;
  json?: boolean;
}

export function callsCommand(context: CliContext): Command {
  const command = new Command('calls')
    .description(
      'the audit log of outbound HTTP calls: the latest, in the order they were made. A run\'s request is on record before it leaves; ' +
        'one whose answer never came because the process stopped shows "no answer recorded" (it may have reached the destination)',
    )
    .option('--run <runId>', 'only calls made by this run')
    .option('--limit <n>', 'at most this many', parsePositiveInteger, 100)
    .option('--full', 'include headers and bodies')
    .option('--json', 'print JSON');
  addConfigOption(command);
  addSettingOptions(command, ['db']);
  return command.action(async (flags: CallsFlags) => {
    const config = loadCliConfig(context, flags);
    const calls = await withStore(config, (store) =>
      store.listCalls({ limit: flags.limit, now: Date.now(), ...(flags.run === undefined ? {} : { runId: flags.run }) }),
    );
    const out = createOutput(context);
    if (flags.json) return out.json(flags.full ? calls : calls.map(withoutPayloads));
    if (calls.length === 0) return out.note('no calls');
    if (flags.full) return printFull(out, calls);
    out.table(calls, [
      { header: 'time', value: (call) => formatTime(call.at) },
      { header: 'run', value: (call) => call.runId },
      { header: 'step', value: (call) => call.stepPath },
      { header: 'attempt', value: (call) => String(call.attempt) },
      { header: 'method', value: (call) => call.method },
      { header: 'url', value: (call) => call.url, maxWidth: 70 },
      { header: 'status', value: (call) => outcomeOf(call), style: styleOf },
      { header: 'duration', value: (call) => (call.unanswered === undefined ? formatDuration(call.durationMs) : '') },
    ]);
  });
}

function withoutPayloads(call: CallRecord) {
  const { requestHeaders, requestBody, responseHeaders, responseBody, ...rest } = call;
  return rest;
}

/** The status, or in a few words why there is none (the error says it in full). */
function outcomeOf(call: CallRecord): string {
  if (call.unanswered === 'in-flight') return 'in flight';
  if (call.unanswered === 'interrupted') return 'no answer recorded';
  return call.status === null ? (call.error ?? 'no response') : String(call.status);
}

/** A call cut short by a stop is no failure of the destination: its outcome is unknown. */
function styleOf(call: CallRecord): Style | undefined {
  if (call.unanswered === 'in-flight') return 'cyan';
  if (call.unanswered === 'interrupted') return 'yellow';
  return call.status === null || call.status >= 400 ? 'red' : undefined;
}

function printFull(out: Output, calls: CallRecord[]): void {
  for (const call of calls) {
    // Without an answer there is no duration to tell, and the error says in full what is known.
    const outcome = out.style(styleOf(call) ?? 'green', call.unanswered === undefined ? outcomeOf(call) : (call.error ?? ''));
    const duration = call.unanswered === undefined ? ` in ${formatDuration(call.durationMs)}` : '';
    out.line(out.style('bold', `${formatTime(call.at)}  ${call.method} ${call.url}`) + `  → ${outcome}${duration}`);
    out.line(`run ${call.runId}, step ${call.stepPath}, attempt ${call.attempt}`);
    for (const [name, value] of Object.entries(call.requestHeaders)) out.line(`> ${name}: ${value}`);
    if (call.requestBody !== null) out.line(`> ${call.requestBody}`);
    for (const [name, value] of Object.entries(call.responseHeaders)) out.line(`< ${name}: ${value}`);
    if (call.responseBody !== null) out.line(`< ${call.responseBody}`);
    if (call.error !== null && call.status !== null) out.line(`error: ${call.error}`);
    out.line();
  }
}
