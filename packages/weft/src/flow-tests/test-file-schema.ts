import { Type, type Static } from '@sinclair/typebox';
import { REASONS } from '../core/exception.ts';

/**
 * THE schema of a flow test file (`*.test.yaml`). The loader validates against it and the
 * types below are derived from it. Every object is closed, so a misspelt key is an error.
 * Where a value is one of several kinds (an input, a connection's source) the kinds are
 * optional keys of one object and the loader requires exactly one: ajv's errors for a union
 * of objects say nothing a person can act on.
 */

const closed = { additionalProperties: false } as const;

const RelativePath = Type.String({ minLength: 1, description: 'A path relative to the test file.' });
const Vendor = Type.String({ pattern: '^[a-z0-9][a-z0-9-]*$', description: 'A built-in vendor sandbox: stripe, shopify, netsuite.' });

/** Where the answers to outbound calls come from: a fresh vendor sandbox, or a recording made by `weft record`. */
export const DoubleSchema = Type.Object(
  {
    sandbox: Type.Optional(Vendor),
    replay: Type.Optional(Type.Union([RelativePath], { description: 'A recording file (`weft record`), served by a local replay server.' })),
  },
  { ...closed, description: 'Exactly one of sandbox or replay.' },
);

export const DOUBLE_KINDS = ['sandbox', 'replay'] as const;

const Headers = Type.Record(Type.String(), Type.String());

const EventInput = {
  body: Type.Optional(Type.Unknown({ description: 'The event body, inline.' })),
  file: Type.Optional(Type.Union([RelativePath], { description: 'A JSON or YAML file holding the body; JSON is sent byte for byte.' })),
};

export const InputSchema = Type.Object(
  {
    webhook: Type.Optional(
      Type.Object(
        { ...EventInput, headers: Type.Optional(Headers), query: Type.Optional(Type.Record(Type.String(), Type.String())) },
        { ...closed, description: 'POSTed to the flow’s webhook path, signed with its configured secret.' },
      ),
    ),
    manual: Type.Optional(Type.Object(EventInput, { ...closed, description: 'Started as `weft run` would.' })),
    poll: Type.Optional(Type.Object(EventInput, { ...closed, description: 'One record, as the poller would commit it.' })),
    recording: Type.Optional(Type.Union([RelativePath], { description: 'The trigger event of a recording (`weft record`).' })),
  },
  { ...closed, description: 'Exactly one of webhook, manual, poll or recording.' },
);

export const INPUT_KINDS = ['webhook', 'manual', 'poll', 'recording'] as const;

export const CallExpectationSchema = Type.Object(
  {
    step: Type.String({ minLength: 1, description: 'The step id (or its path, e.g. lines[0].post) that made the call.' }),
    action: Type.Optional(Type.String({ description: 'The connector action of that step.' })),
    method: Type.Optional(Type.String({ pattern: '^[A-Z]+$' })),
    url: Type.Optional(Type.String({ minLength: 1, description: 'The full URL, or its path and query (/v1/refunds?limit=1).' })),
    request: Type.Optional(Type.Unknown({ description: 'Matched partially against the request body (JSON or form fields).' })),
    status: Type.Optional(Type.Integer({ minimum: 100, maximum: 599, description: 'The response status.' })),
    response: Type.Optional(Type.Unknown({ description: 'Matched partially against the response body.' })),
  },
  closed,
);

export const ExpectationSchema = Type.Object(
  {
    status: Type.Union([Type.Literal('succeeded'), Type.Literal('exception')], { description: 'How the run ends.' }),
    exception: Type.Optional(
      Type.Object(
        {
          reason: Type.Optional(Type.Union(REASONS.map((reason) => Type.Literal(reason)))),
          message: Type.Optional(Type.String({ minLength: 1, description: 'A regular expression the exception sentence must match.' })),
          step: Type.Optional(Type.String({ minLength: 1 })),
        },
        closed,
      ),
    ),
    calls: Type.Optional(Type.Array(CallExpectationSchema, { description: 'Every call the run made, in order (one per attempt).' })),
    callCounts: Type.Optional(Type.Record(Type.String(), Type.Integer({ minimum: 0 }), { description: 'Calls per step id, e.g. { refund: 1 }.' })),
    outputs: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'Step path → partial output.' })),
  },
  closed,
);

export const TestCaseSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    input: InputSchema,
    expect: ExpectationSchema,
    timeout: Type.Optional(Type.Integer({ minimum: 100, description: 'Milliseconds the run may take (default 15000).' })),
  },
  closed,
);

export const FlowTestFileSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    flow: Type.String({ pattern: '^[a-z0-9][a-z0-9-]*$', description: 'The id of the flow under test.' }),
    flows: Type.Optional(Type.Array(RelativePath, { minItems: 1, description: 'Flow files or folders (default: the config’s flows).' })),
    env: Type.Optional(
      Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }), Type.Union([Type.String(), DoubleSchema]), {
        description: '${env:NAME} values: text, or the URL of a sandbox or replay server.',
      }),
    ),
    connections: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_-]*$' }), DoubleSchema, { description: 'Connection id → what serves it.' })),
    hosts: Type.Optional(
      Type.Record(Type.String({ pattern: '^https?://[^/]+$' }), DoubleSchema, { description: 'Origin a raw call names (https://erp.example.com) → what answers instead.' }),
    ),
    cases: Type.Array(TestCaseSchema, { minItems: 1 }),
  },
  { ...closed, $id: 'https://weft.dev/schemas/flow-test.json', title: 'Weft flow test' },
);

export type FlowTestFile = Static<typeof FlowTestFileSchema>;
export type TestInput = Static<typeof InputSchema>;
export type Expectation = Static<typeof ExpectationSchema>;
export type CallExpectation = Static<typeof CallExpectationSchema>;
export type Double = Static<typeof DoubleSchema>;
