import { Type, type Static, type TSchema } from '@sinclair/typebox';

/**
 * THE flow schema. YAML flow files and `defineFlow` objects are validated against it, the
 * TypeScript types below are derived from it, and `weft schema` prints it for editors.
 * Every object is closed (additionalProperties: false) so a typo is an error, not a no-op.
 */

const closed = { additionalProperties: false } as const;

/** A JSONata expression, compiled once when the flow loads. */
export const Expression = Type.String({
  minLength: 1,
  description:
    'A JSONata expression. It reads `trigger` (the event) and `steps.<id>` (earlier outputs); `$now()` and `$millis()` read when the event was received (or when the last delay ended), so a step evaluated again renders the same.',
});

/**
 * An Expression with a description of what it gives in its place. `Type.Union([Expression],
 * { description })` would not do: the schema's own description wins, and every field's hint
 * (editors, `weft validate`) would read the generic one.
 */
function expressionFor(description: string) {
  return Type.String({ minLength: 1, description });
}

/** "250ms", "3s", "5m", "2h", "1d" or a number of milliseconds. */
export const Duration = Type.Union([
  Type.String({ pattern: '^[0-9]+(\\.[0-9]+)?(ms|s|m|h|d)$', description: 'e.g. 250ms, 3s, 5m, 2h, 1d' }),
  Type.Integer({ minimum: 0, description: 'milliseconds' }),
]);

export const RetryPolicySchema = Type.Object(
  {
    maxAttempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'Tries of one step, the first included.' })),
    initialDelay: Type.Optional(Duration),
    maxDelay: Type.Optional(Duration),
    maxAge: Type.Optional(Type.Union([Duration], { description: 'Stop retrying a step once this long has passed since its first failed attempt; a replay starts the count again.' })),
  },
  { ...closed, description: 'Exponential backoff with full jitter; Retry-After is honoured.' },
);

export const SignatureSchemeName = Type.Union([
  Type.Literal('hmac-sha256'),
  Type.Literal('standard-webhooks'),
  Type.Literal('shopify'),
  Type.Literal('stripe'),
  Type.Literal('slack'),
  Type.Literal('github'),
  Type.Literal('twilio'),
  Type.Literal('header-token'),
]);

export const SignatureSchema = Type.Object(
  {
    scheme: SignatureSchemeName,
    secret: Type.String({ minLength: 1, description: 'A reference such as ${env:SHOP_WEBHOOK_SECRET}; never the secret itself.' }),
    header: Type.Optional(
      Type.String({ description: 'hmac-sha256: the header carrying the signature (default x-signature); header-token: the header carrying the token (default x-api-key).' }),
    ),
    encoding: Type.Optional(Type.Union([Type.Literal('hex'), Type.Literal('base64')], { description: 'hmac-sha256 only: how the digest is written (default hex).' })),
    prefix: Type.Optional(Type.String({ description: 'hmac-sha256 only: text before the digest, e.g. "sha256=" (default none).' })),
    signedPayload: Type.Optional(
      Type.Union([Type.Literal('body'), Type.Literal('timestamp.body')], {
        description: 'hmac-sha256 only: what is signed. "timestamp.body" needs timestampHeader.',
      }),
    ),
    timestampHeader: Type.Optional(Type.String({ description: 'hmac-sha256 with signedPayload "timestamp.body": the header carrying the Unix timestamp (seconds) that is signed as "<timestamp>.<body>".' })),
    toleranceSeconds: Type.Optional(Type.Integer({ minimum: 1, description: 'Allowed clock skew where the scheme has a timestamp (default 300).' })),
  },
  closed,
);

export const WebhookTriggerSchema = Type.Object(
  {
    webhook: Type.Object(
      {
        path: Type.String({ pattern: '^[a-z0-9][a-z0-9/_-]*$', description: 'Served at /hooks/<path>.' }),
        signature: Type.Optional(SignatureSchema),
        connection: Type.Optional(
          Type.String({
            pattern: '^[A-Za-z0-9][A-Za-z0-9_-]*$',
            description: "Take the signature scheme, dedupe id and event shape from this connection's connector trigger; the secret is the connection's `webhookSecret`.",
          }),
        ),
        trigger: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9-]*$', description: 'The webhook trigger of that connector, with `connection`.' })),
        dedupeKey: Type.Optional(expressionFor('JSONata over {headers, body}; repeats are acknowledged and not run again. Default: a hash of the raw body; an empty body is never a repeat.')),
        maxBodyBytes: Type.Optional(Type.Integer({ minimum: 1, description: 'Larger bodies get 413 before parsing (default 1 MiB).' })),
      },
      closed,
    ),
  },
  closed,
);

export const ScheduleTriggerSchema = Type.Object(
  {
    schedule: Type.Object(
      {
        cron: Type.String({ minLength: 1, description: 'Cron pattern, 5 or 6 fields.' }),
        timezone: Type.Optional(Type.String({ description: 'IANA time zone, e.g. Europe/Berlin (default UTC).' })),
      },
      closed,
    ),
  },
  closed,
);

export const ManualTriggerSchema = Type.Object(
  { manual: Type.Object({}, { ...closed, description: 'Started by `weft run <flow> --input file.json`.' }) },
  closed,
);

export const PollTriggerSchema = Type.Object(
  {
    poll: Type.Object(
      {
        connection: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_-]*$', description: 'The connection to poll through.' }),
        trigger: Type.String({ pattern: '^[a-z0-9][a-z0-9-]*$', description: "A poll trigger of the connection's connector." }),
        every: Type.Optional(Type.Union([Duration], { description: "How often to poll (default: the trigger's interval, else 1m)." })),
        since: Type.Optional(
          Type.String({ minLength: 1, description: 'Where the first poll starts (a timestamp or id, as the trigger’s cursor reads it); later polls continue from the stored cursor.' }),
        ),
      },
      closed,
    ),
  },
  { ...closed, description: 'Poll a connector for new and changed records; each record is an event, deduplicated.' },
);

export const ExceptionTriggerSchema = Type.Object(
  {
    exception: Type.Object(
      {
        flows: Type.Optional(Type.Array(Type.String({ pattern: '^[a-z0-9][a-z0-9-]*$' }), { minItems: 1, description: 'Only exceptions of these flows (default: every flow but this one).' })),
        reasons: Type.Optional(
          Type.Array(
            Type.Union(['auth', 'validation', 'mapping', 'not-found', 'conflict', 'rate-limited', 'destination-down', 'timeout', 'bug'].map((reason) => Type.Literal(reason))),
            { minItems: 1, description: 'Only exceptions with these reasons (default: all).' },
          ),
        ),
      },
      closed,
    ),
  },
  {
    ...closed,
    description:
      'Runs once for each new exception (e.g. to announce it in Slack). The event body is the exception: id, flowId, runId, reason, message, stepPath, createdAt.',
  },
);

export const TriggerSchema = Type.Union([WebhookTriggerSchema, ScheduleTriggerSchema, ManualTriggerSchema, PollTriggerSchema, ExceptionTriggerSchema]);

const stepId = Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description: 'Unique in the flow; later expressions read steps.<id>.' });
const stepCommon = {
  id: stepId,
  description: Type.Optional(Type.String()),
};

const connectionName = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_-]*$' });
/** "order@1": a canonical entity and its version (see @weft/sdk's canonical model). */
const CanonicalRefText = Type.String({ pattern: '^(canonical/)?[a-z][a-z-]*@[1-9][0-9]*$', description: 'A canonical schema, e.g. order@1.' });
const CanonicalEntityName = Type.String({ pattern: '^[a-z][a-z-]*$', description: 'A canonical entity, e.g. customer, order.' });

export const MappingRefSchema = Type.Object(
  {
    mapping: Type.String({ pattern: '^[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9-]*$', description: 'A connector mapping, <connector>/<mapping id>, e.g. shopify/order-to-canonical.' }),
    input: Type.Optional(expressionFor('JSONata giving the mapping its input (default: the trigger body).')),
  },
  { ...closed, description: "A connector's vendor ⇄ canonical mapping; canonical sides are validated against their schema." },
);

export const MapStepSchema = Type.Object(
  { ...stepCommon, map: Type.Union([Expression, MappingRefSchema]) },
  { ...closed, description: "Transform data with JSONata, or with a connector's canonical mapping. Its result is the step output." },
);

export const ValidateStepSchema = Type.Object(
  {
    ...stepCommon,
    validate: Type.Object(
      {
        schema: CanonicalRefText,
        input: Expression,
        describe: Type.Optional(expressionFor('JSONata naming the record for exception sentences, e.g. "order " & number.')),
      },
      closed,
    ),
  },
  { ...closed, description: 'Check a payload against a canonical schema; a violation is a `validation` exception naming the field and the rule. Output: the payload.' },
);

export const XrefFromSchema = Type.Object(
  {
    system: Type.Union([connectionName], { description: 'Where the known id lives: a connection name, or a business-key namespace such as email.' }),
    id: expressionFor('JSONata giving that id.'),
  },
  closed,
);

export const LookupStepSchema = Type.Object(
  {
    ...stepCommon,
    lookup: Type.Object(
      {
        entity: CanonicalEntityName,
        from: XrefFromSchema,
        in: Type.Union([connectionName], { description: 'The system whose id is wanted.' }),
        required: Type.Optional(Type.Boolean({ description: 'true: no link is a `not-found` exception. Default false: the output is null.' })),
      },
      closed,
    ),
  },
  { ...closed, description: "Read the cross-reference: the id in `in` of the record known as `from`. Output: that id, or null." },
);

const reconcileSideFields = {
  system: connectionName,
  records: expressionFor('JSONata giving the records of this side, e.g. steps.listOrders.orders. A record listed twice (pages that overlap) is judged once; a null is no record (a read that found none, `onNotFound: continue`).'),
  id: expressionFor("JSONata over one record giving its id in this system, e.g. id."),
  compare: Type.Optional(
    expressionFor(
      'JSONata over one record giving what must agree across sides, e.g. total; give it on both sides or neither. Compared as canonical values: money objects ({ amount, currency }) as decimals, date-times with an offset as instants, objects in any key order, arrays in order, null the same as no value, other strings as written ("02134" ≠ "2134") and numbers as numbers (a number never equals a string).',
    ),
  ),
  describe: Type.Optional(expressionFor('JSONata over one record naming it for people, e.g. "order " & name.')),
};

export const ReconcileSideSchema = Type.Object(reconcileSideFields, closed);

export const ReconcileSourceSchema = Type.Object(
  {
    ...reconcileSideFields,
    changedAt: Type.Optional(
      expressionFor(
        'JSONata over one record giving when it last changed in the source (ISO 8601 with an offset, or epoch milliseconds), e.g. updatedAt. A record that changed within `settle` is not judged yet: its own run may not have reached the target.',
      ),
    ),
  },
  closed,
);

export const ReconcileStepSchema = Type.Object(
  {
    ...stepCommon,
    reconcile: Type.Object(
      {
        entity: CanonicalEntityName,
        source: ReconcileSourceSchema,
        target: ReconcileSideSchema,
        onMissing: Type.Optional(
          Type.Union([Type.Literal('report'), Type.Literal('exception'), Type.Literal('redrive')], {
            description:
              'report (default): count them; exception: open a not-found exception of `repairFlow` per record, replayable; redrive: run `repairFlow` for each. A record is handed over again on a later run while it is still missing and no earlier hand-over of it is open, at most 100 a run (the rest are reported as over the limit). A record linked to a target id the target records do not include is always handed over as an exception, naming the link to remove.',
          }),
        ),
        settle: Type.Optional(
          Type.Union([Duration], {
            description:
              "How long after a source record's last change (source.changedAt) it is left to its own run before it is judged missing or different (default 15m; 0 judges at once). Records within it are reported as settling.",
          }),
        ),
        repairFlow: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9-]*$', description: 'A manual-trigger flow run with the missing source record as input (exception and redrive).' })),
        linkedBy: Type.Optional(
          Type.Object(
            {
              flow: Type.String({ pattern: '^[a-z0-9][a-z0-9-]*$', description: 'The flow whose runs link the source records to the target (the one the repair flow stands in for); it must have an orderingKey.' }),
              orderingKey: expressionFor("JSONata over one source record giving that flow's ordering key for it, e.g. id."),
            },
            {
              ...closed,
              description:
                "The record's own run: a missing or different record with a run of `flow` under its ordering key that has not ended (queued, running, waiting for a retry) or is parked with an open exception is in flight, reported as settling with that run, and not handed over, however long ago it changed; a hand-over beside it could create the record a second time. Without it, only `settle` stands in for the record's own run.",
            },
          ),
        ),
      },
      closed,
    ),
  },
  {
    ...closed,
    description:
      'Compare source and target records through the cross-reference: matched, missing and different counts, recorded as a report (`weft reconcile report`), with orphans: target records no id of the source system links to (a duplicate, one made by hand), reported and never handed over.',
  },
);

export const ResponseClass = Type.Union([Type.Literal('ok'), Type.Literal('retryable'), Type.Literal('permanent')]);

export const CallStepSchema = Type.Object(
  {
    ...stepCommon,
    call: Type.Object(
      {
        method: Type.Optional(
          Type.Union(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map((m) => Type.Literal(m)), { default: 'POST' }),
        ),
        url: Type.String({ minLength: 1, description: 'Absolute URL. May contain {{ expression }} placeholders.' }),
        headers: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Values may contain {{ expression }} placeholders and ${env:NAME} references.' })),
        query: Type.Optional(Type.Record(Type.String(), Type.String())),
        body: Type.Optional(expressionFor('JSONata; its result is sent as JSON.')),
        timeout: Type.Optional(Duration),
        idempotencyHeader: Type.Optional(
          Type.Union([Type.String({ minLength: 1 }), Type.Literal(false)], {
            description: 'Header that carries the idempotency key (default Idempotency-Key); false to send none.',
          }),
        ),
        responses: Type.Optional(
          Type.Record(Type.String({ pattern: '^[1-5][0-9x]{2}$' }), ResponseClass, {
            description: 'Override the classification of statuses, e.g. {"409": ok, "404": retryable}.',
          }),
        ),
        describe: Type.Optional(expressionFor('JSONata naming the business object for exception sentences, e.g. "order " & trigger.body.id.')),
        destination: Type.Optional(Type.String({ description: 'Human name of the system called, for exception sentences (default: the host).' })),
      },
      closed,
    ),
    retry: Type.Optional(RetryPolicySchema),
  },
  { ...closed, description: 'An HTTP request; effects are recorded in the ledger under a deterministic idempotency key.' },
);

export const ConnectorCallStepSchema = Type.Object(
  {
    ...stepCommon,
    call: Type.Object(
      {
        connection: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_-]*$', description: 'The connection to call through (`weft connections list`).' }),
        action: Type.String({ pattern: '^[a-z0-9][a-z0-9-]*$', description: "An action of the connection's connector, e.g. create-customer." }),
        input: Type.Optional(expressionFor("JSONata; its result must match the action's input schema.")),
        timeout: Type.Optional(Duration),
        idempotencyHeader: Type.Optional(
          Type.Union([Type.String({ minLength: 1 }), Type.Literal(false)], {
            description: 'Header that carries the idempotency key (default Idempotency-Key); false to send none.',
          }),
        ),
        describe: Type.Optional(expressionFor('JSONata naming the business object for exception sentences.')),
        onNotFound: Type.Optional(
          Type.Union([Type.Literal('exception'), Type.Literal('continue')], {
            description:
              "exception (default): the vendor saying the record does not exist (reason not-found) parks the run. continue: the step's output is null and the run goes on, for a read whose answer may be that there is none — inside an each, one absent record then does not end the others (a reconciliation reading linked records back, where a record deleted at the vendor is its own report line).",
          }),
        ),
        xref: Type.Optional(
          Type.Object(
            { from: XrefFromSchema },
            {
              ...closed,
              description:
                "For an action that declares xref (a create): link the record it creates to `from`, and when a link exists already, reuse it instead of creating another. Output becomes { id, created, record }.",
            },
          ),
        ),
      },
      closed,
    ),
    retry: Type.Optional(RetryPolicySchema),
  },
  {
    ...closed,
    description: "An action of a connector, through a connection: auth, rate limits and the vendor's errors are the connector's business.",
  },
);

export const WhenStepSchema = Type.Object(
  {
    ...stepCommon,
    when: Expression,
    otherwise: Type.Optional(
      Type.Union([Type.Literal('skip'), Type.Literal('end')], {
        description:
          "If false (JSONata's $boolean: false, null, 0, '', an empty array or object and a missing value are false): skip the next step (skip) or end the run successfully (end, the default). Inside `each`, end ends that item's steps; the other items and the steps after the each still run.",
      }),
    ),
  },
  { ...closed, description: 'A condition.' },
);

export const CodeStepSchema = Type.Object(
  {
    ...stepCommon,
    code: Type.Object(
      {
        module: Type.String({ minLength: 1, description: 'Path of a .ts/.js module, relative to the flow file.' }),
        export: Type.Optional(Type.String({ description: 'Exported function name (default: default).' })),
        timeout: Type.Optional(
          Type.Union([Duration], {
            description: 'How long one call of the function may take (default 30s). Past it, the worker thread running it is stopped and the step fails (reason timeout, not retried).',
          }),
        ),
      },
      closed,
    ),
    retry: Type.Optional(RetryPolicySchema),
  },
  {
    ...closed,
    description:
      "Call an exported function with ({ trigger, steps, item, index }, { signal }); its result, as JSON, is the output (a Date becomes its ISO text; a value JSON cannot hold fails the step). The function runs in a worker thread, not on the engine's: an endless loop stops at its `timeout` and holds up no other run. It shares no memory with the engine and gets its input as a copy; each worker imports the module once, so keep state in a store or the destination, not in module variables. The signal aborts when the run stops (a shutdown, a lost lease). A thrown error parks the run as an exception (reason bug); one with `retryable: true` is retried under `retry` instead.",
  },
);

export const DelayStepSchema = Type.Object(
  { ...stepCommon, delay: Duration },
  { ...closed, description: 'Wait (a persisted schedule, not a timer).' },
);

/** `each` nests steps; TypeBox needs Recursive for that. */
export const StepSchema = Type.Recursive((Self) =>
  Type.Union([
    MapStepSchema,
    CallStepSchema,
    ConnectorCallStepSchema,
    WhenStepSchema,
    CodeStepSchema,
    DelayStepSchema,
    ValidateStepSchema,
    LookupStepSchema,
    ReconcileStepSchema,
    Type.Object(
      {
        ...stepCommon,
        each: Expression,
        key: Type.Optional(
          expressionFor(
              'JSONata over one item (it reads `item`, `index`, `trigger` and `steps`) giving what identifies it, e.g. item.sku. The checkpoints and idempotency keys of the nested steps then follow the key of each item instead of its position (`lines["ABC-9"].create` rather than `lines[2].create`), so a replay with an edited input that removes, adds or reorders items sends nothing again for an item already done and sends only for new ones. Every item needs a key of at most 128 characters, unique in the event: a missing, repeated or longer one fails the step (reason mapping) before any item runs. Without a key, items are known by position.',
          ),
        ),
        steps: Type.Array(Self, { minItems: 1 }),
      },
      { ...closed, description: 'Fan out over an array; each item runs the nested steps as its own checkpointed unit, known by its position or, with `key`, by its key.' },
    ),
  ]),
  { $id: 'Step' },
);

export const STEP_KINDS = ['map', 'call', 'when', 'each', 'code', 'delay', 'validate', 'lookup', 'reconcile'] as const;
export type StepKind = (typeof STEP_KINDS)[number];

export const FlowSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9-]*$', description: 'Unique flow id (kebab-case).' }),
    description: Type.Optional(Type.String()),
    trigger: TriggerSchema,
    orderingKey: Type.Optional(expressionFor('Runs that share this key run one at a time, in event order.')),
    concurrency: Type.Optional(Type.Integer({ minimum: 1, description: 'At most this many runs of the flow at once.' })),
    retry: Type.Optional(RetryPolicySchema),
    mappingBudget: Type.Optional(Type.Union([Duration], { description: 'Time budget of one expression evaluation (default 1s).' })),
    steps: Type.Array(StepSchema, { minItems: 1 }),
  },
  { ...closed, $id: 'https://weft.dev/schemas/flow.json', title: 'Weft flow' },
);

export type Flow = Static<typeof FlowSchema>;
export type Trigger = Static<typeof TriggerSchema>;
export type WebhookTrigger = Static<typeof WebhookTriggerSchema>['webhook'];
export type PollTrigger = Static<typeof PollTriggerSchema>['poll'];
export type ExceptionTrigger = Static<typeof ExceptionTriggerSchema>['exception'];
export type Signature = Static<typeof SignatureSchema>;
export type SignatureScheme = Static<typeof SignatureSchemeName>;
export type RetryPolicyConfig = Static<typeof RetryPolicySchema>;
export type MapStep = Static<typeof MapStepSchema>;
export type HttpCallStep = Static<typeof CallStepSchema>;
export type ConnectorCallStep = Static<typeof ConnectorCallStepSchema>;
export type CallStep = HttpCallStep | ConnectorCallStep;
export type WhenStep = Static<typeof WhenStepSchema>;
export type CodeStep = Static<typeof CodeStepSchema>;
export type DelayStep = Static<typeof DelayStepSchema>;
export type ValidateStep = Static<typeof ValidateStepSchema>;
export type LookupStep = Static<typeof LookupStepSchema>;
export type ReconcileStep = Static<typeof ReconcileStepSchema>;
export type MappingRef = Static<typeof MappingRefSchema>;
export type EachStep = { id: string; description?: string; each: string; key?: string; steps: Step[] };
export type Step = MapStep | CallStep | WhenStep | CodeStep | DelayStep | ValidateStep | LookupStep | ReconcileStep | EachStep;
export type DurationValue = Static<typeof Duration>;

/** A `call` names either a URL or a connection and action; the connection decides. */
export function isConnectorCall(step: CallStep): step is ConnectorCallStep {
  return 'connection' in step.call;
}

export function stepKindOf(step: Step): StepKind {
  for (const kind of STEP_KINDS) if (kind in step) return kind;
  throw new Error(`step ${step.id} has no kind`);
}

export type { TSchema };
