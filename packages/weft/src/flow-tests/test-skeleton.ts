import { stringify as stringifyYaml } from 'yaml';
import { isReason } from '../core/exception.ts';
import type { Flow } from '../flows/flow-schema.ts';
import { recordedOrigins, type Recording } from './recording-file.ts';
import type { FlowTestFile } from './test-file-schema.ts';

/** Any value will do for a webhook secret in a test: the runner signs with whatever the flow is given. */
const TEST_WEBHOOK_SECRET = 'weft-test-webhook-secret';

/**
 * A test file that replays a recording: the recorded event goes in again, every connection and
 * host the run called is answered from the recording, and the run must end as it did, with the
 * same calls. `recordingPath` is relative to the test file. `flow` (when it loads) adds a test
 * value for an `${env:NAME}` webhook secret, which must be set for the flow to load.
 */
export function testSkeleton(recording: Recording, recordingPath: string, flow: Flow | undefined): string {
  const replay = { replay: recordingPath };
  const connectionOrigins = new Set(recording.calls.filter((call) => call.connection !== undefined).map((call) => new URL(call.url).origin));
  const rawOrigins = recordedOrigins(recording).filter((origin) => !connectionOrigins.has(origin));
  const counts: Record<string, number> = {};
  for (const call of recording.calls) counts[call.step] = (counts[call.step] ?? 0) + 1;
  const secretEnv = flow && 'webhook' in flow.trigger ? /^\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(flow.trigger.webhook.signature?.secret ?? '')?.[1] : undefined;

  const test: FlowTestFile = {
    flow: recording.flow,
    ...(secretEnv === undefined ? {} : { env: { [secretEnv]: TEST_WEBHOOK_SECRET } }),
    ...(Object.keys(recording.connections).length > 0 ? { connections: Object.fromEntries(Object.keys(recording.connections).map((id) => [id, replay])) } : {}),
    ...(rawOrigins.length > 0 ? { hosts: Object.fromEntries(rawOrigins.map((origin) => [origin, replay])) } : {}),
    cases: [
      {
        name: `replays run ${recording.run}`,
        input: { recording: recordingPath },
        expect: {
          status: recording.status === 'exception' ? 'exception' : 'succeeded',
          ...(recording.exception ? { exception: exceptionExpectation(recording.exception) } : {}),
          callCounts: counts,
          calls: recording.calls.map((call) => {
            const url = new URL(call.url);
            return { step: call.step, method: call.method, url: url.pathname + url.search, ...(call.response === null ? {} : { status: call.response.status }) };
          }),
        },
      },
    ],
  };
  return `# Made by \`weft record --run ${recording.run}\`: the recorded event again, every call answered from\n# ${recordingPath}. Add expectations of your own (outputs:, request bodies) and run \`weft test\`.\n${stringifyYaml(test, { lineWidth: 0, aliasDuplicateObjects: false })}`;
}

function exceptionExpectation({ reason, message, step }: NonNullable<Recording['exception']>) {
  return { ...(isReason(reason) ? { reason } : {}), message: `^${escapeRegExp(message)}$`, ...(step === null ? {} : { step }) };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
