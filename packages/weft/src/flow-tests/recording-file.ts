import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';

/**
 * What `weft record` writes and `weft test` replays: one finished run's trigger event and
 * every outbound call it made, as the audit log kept them (redacted, bodies capped).
 */

const Headers = Type.Record(Type.String(), Type.String());

export const RecordedCallSchema = Type.Object(
  {
    step: Type.String({ description: 'The step path that made the call.' }),
    attempt: Type.Integer({ minimum: 1 }),
    connection: Type.Optional(Type.String()),
    method: Type.String(),
    url: Type.String(),
    request: Type.Object({ headers: Headers, body: Type.Union([Type.String(), Type.Null()]) }, { additionalProperties: false }),
    /** Null when no response came (a refused connection, a timeout): the replay server drops the connection. */
    response: Type.Union([
      Type.Object({ status: Type.Integer(), headers: Headers, body: Type.Union([Type.String(), Type.Null()]) }, { additionalProperties: false }),
      Type.Null(),
    ]),
    error: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const RecordingSchema = Type.Object(
  {
    weftRecording: Type.Literal(1),
    flow: Type.String(),
    run: Type.String(),
    status: Type.String(),
    exception: Type.Optional(
      Type.Object({ reason: Type.String(), message: Type.String(), step: Type.Union([Type.String(), Type.Null()]) }, { additionalProperties: false }),
    ),
    trigger: Type.Object(
      {
        source: Type.String(),
        headers: Headers,
        query: Type.Record(Type.String(), Type.String()),
        body: Type.Unknown(),
      },
      { additionalProperties: false },
    ),
    /** The connections the run called through: connector and settings, never credentials. */
    connections: Type.Record(Type.String(), Type.Object({ connector: Type.String(), config: Type.Record(Type.String(), Type.Unknown()) }, { additionalProperties: false })),
    calls: Type.Array(RecordedCallSchema),
  },
  { additionalProperties: false },
);

export type Recording = Static<typeof RecordingSchema>;
export type RecordedCall = Static<typeof RecordedCallSchema>;

const YAML_FILE = /\.ya?ml$/i;

/** JSON unless the file name ends in .yaml or .yml. */
export function formatRecording(recording: Recording, file: string): string {
  return YAML_FILE.test(file) ? stringifyYaml(recording, { lineWidth: 0 }) : JSON.stringify(recording, null, 2) + '\n';
}

/** Parses and checks a recording; the error names the first thing wrong and where. */
export function parseRecording(text: string, file: string): Recording {
  let value: unknown;
  try {
    value = YAML_FILE.test(file) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not valid ${YAML_FILE.test(file) ? 'YAML' : 'JSON'}: ${(error as Error).message}`);
  }
  const first = Value.Errors(RecordingSchema, value).First();
  if (first !== undefined) throw new Error(`${file} is not a weft recording: ${first.path || '(the file)'} ${first.message}`);
  return value as Recording;
}

/** The origins (scheme://host:port) the recorded calls went to, in first-call order. */
export function recordedOrigins(recording: Recording): string[] {
  return [...new Set(recording.calls.map((call) => new URL(call.url).origin))];
}
