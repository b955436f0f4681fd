import type { RunStatus } from '../core/run.ts';
import { stepIdsAlong } from '../core/step-path.ts';
import { isConnectorCall, type Flow, type Step } from '../flows/flow-schema.ts';
import type { CallRecord } from '../store/store.ts';
import { formatMismatches, matchPartial } from './match-partial.ts';
import type { CallExpectation, Expectation } from './test-file-schema.ts';

/** What a test run left behind, as the expectations read it. */
export interface RunOutcome {
  status: RunStatus;
  exception?: { reason: string; message: string; stepPath: string | null };
  calls: readonly CallRecord[];
  /** Step path → output, for every step that completed. */
  outputs: ReadonlyMap<string, unknown>;
}

/** Every way the run differs from what the test expects; each entry explains itself in a few lines. */
export function checkExpectations(expect: Expectation, outcome: RunOutcome, flow: Flow): string[] {
  const failures: string[] = [];
  if (outcome.status !== expect.status) failures.push(`expected the run to end ${expect.status}, it ended ${describeEnd(outcome)}`);
  const wanted = expect.exception;
  if (wanted && outcome.exception) {
    const { reason, message, stepPath } = outcome.exception;
    if (wanted.reason !== undefined && wanted.reason !== reason) failures.push(`expected exception reason ${wanted.reason}, got ${reason}: ${message}`);
    if (wanted.message !== undefined && !new RegExp(wanted.message).test(message)) failures.push(`expected the exception sentence to match /${wanted.message}/, got: ${message}`);
    if (wanted.step !== undefined && wanted.step !== stepPath) failures.push(`expected the exception at step '${wanted.step}', it is at ${stepPath === null ? 'no step' : `'${stepPath}'`}`);
  }
  if (expect.calls) failures.push(...checkCalls(expect.calls, outcome.calls, flow));
  for (const [step, count] of Object.entries(expect.callCounts ?? {})) {
    const made = outcome.calls.filter((call) => stepIdOf(call.stepPath) === step || call.stepPath === step).length;
    if (made !== count) failures.push(`expected ${count} call${count === 1 ? '' : 's'} from step '${step}', it made ${made}${listCalls(outcome.calls.filter((call) => stepIdOf(call.stepPath) === step))}`);
  }
  for (const [path, expected] of Object.entries(expect.outputs ?? {})) {
    if (!outcome.outputs.has(path)) {
      failures.push(`expected an output of step '${path}', but it did not complete (completed: ${[...outcome.outputs.keys()].join(', ') || 'none'})`);
      continue;
    }
    const mismatches = matchPartial(expected, outcome.outputs.get(path));
    if (mismatches.length > 0) failures.push([`the output of step '${path}' differs:`, ...formatMismatches(mismatches)].join('\n'));
  }
  return failures;
}

function describeEnd(outcome: RunOutcome): string {
  if (outcome.status !== 'exception' || !outcome.exception) return outcome.status;
  const { reason, message, stepPath } = outcome.exception;
  return `exception (${reason}${stepPath === null ? '' : ` at step '${stepPath}'`}): ${message}`;
}

function checkCalls(expected: readonly CallExpectation[], calls: readonly CallRecord[], flow: Flow): string[] {
  if (expected.length !== calls.length) {
    return [`expected ${expected.length} call${expected.length === 1 ? '' : 's'}, the run made ${calls.length}${listCalls(calls)}`];
  }
  const failures: string[] = [];
  expected.forEach((want, index) => {
    const call = calls[index]!;
    const problems: string[] = [];
    if (want.step !== call.stepPath && want.step !== stepIdOf(call.stepPath)) problems.push(`  expected step '${want.step}', it was made by '${call.stepPath}'`);
    if (want.action !== undefined) {
      const action = actionOf(flow.steps, stepIdOf(call.stepPath));
      if (action !== want.action) problems.push(`  expected action ${want.action}, the step ${action === undefined ? 'is not a connector call' : `calls ${action}`}`);
    }
    if (want.method !== undefined && want.method !== call.method) problems.push(`  expected method ${want.method}, got ${call.method}`);
    if (want.url !== undefined && want.url !== call.url && want.url !== pathAndQuery(call.url)) problems.push(`  expected url ${want.url}, got ${call.url}`);
    if (want.status !== undefined && want.status !== call.status) problems.push(`  expected response status ${want.status}, got ${call.status ?? `no response (${call.error ?? 'unknown error'})`}`);
    if (want.request !== undefined) {
      const mismatches = matchPartial(want.request, parseBody(call.requestBody, call.requestHeaders));
      if (mismatches.length > 0) problems.push('  the request body differs:', ...formatMismatches(mismatches, '    '));
    }
    if (want.response !== undefined) {
      const mismatches = matchPartial(want.response, parseBody(call.responseBody, call.responseHeaders));
      if (mismatches.length > 0) problems.push('  the response body differs:', ...formatMismatches(mismatches, '    '));
    }
    if (problems.length > 0) failures.push([`call ${index + 1} (${describeCall(call)}):`, ...problems].join('\n'));
  });
  return failures;
}

function listCalls(calls: readonly CallRecord[]): string {
  return calls.length === 0 ? '' : `:\n${calls.map((call, index) => `  ${index + 1}. ${describeCall(call)}`).join('\n')}`;
}

function describeCall(call: CallRecord): string {
  const outcome = call.status === null ? (call.error ?? 'no response') : String(call.status);
  return `step ${call.stepPath}, ${call.method} ${call.url} → ${outcome}`;
}

/** `lines[0].post` or `lines["ABC-9"].post` → `post`: expectations name steps by id. */
export function stepIdOf(stepPath: string): string {
  return stepIdsAlong(stepPath).at(-1) ?? stepPath;
}

function actionOf(steps: readonly Step[], id: string): string | undefined {
  for (const step of steps) {
    if (step.id === id && 'call' in step) return isConnectorCall(step) ? step.call.action : undefined;
    if ('each' in step) {
      const nested = actionOf(step.steps, id);
      if (nested !== undefined) return nested;
    }
  }
  return undefined;
}

function pathAndQuery(url: string): string {
  const parsed = new URL(url);
  return parsed.pathname + parsed.search;
}

/** An audited body as data: JSON, form fields, else the text itself. */
export function parseBody(body: string | null, headers: Record<string, string>): unknown {
  if (body === null) return null;
  const type = (headers['content-type'] ?? '').toLowerCase();
  if (type.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(body));
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}
