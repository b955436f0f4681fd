import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { Type, KindGuard, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { isMap, isNode, isScalar, LineCounter, parseDocument } from 'yaml';
import { toMs } from './core/duration.ts';

const Strict = { additionalProperties: false } as const;
const RETENTION_PATTERN = '^(off|[0-9]+(\\.[0-9]+)?(ms|s|m|h|d))$';
const HOUR_MS = 3_600_000;

/**
 * The shortest retention of each kind, and why. Runs: their events are the dedupe record, and a
 * vendor redelivering a webhook after its event is gone gets it run again. Calls: the prune runs
 * hourly, so a shorter setting would not be what it says.
 */
const MINIMUM_RETENTION: Partial<Record<ConfigKey, { ms: number; text: string; why: string }>> = {
  retentionRuns: { ms: 7 * 24 * HOUR_MS, text: '7d', why: "a vendor's webhook redelivered after its event was deleted would be run again (Shopify retries for 48 h, Stripe for 3 days)" },
  retentionCalls: { ms: HOUR_MS, text: '1h', why: 'the prune runs every hour' },
};
const HttpUrl = Type.String({ pattern: '^https?://[^\\s]+$', description: 'An http(s) URL.' });

/** One alert rule: a condition watched every `alertEvaluationSeconds`, and where its incidents are sent (docs/guides/observability.md). */
export const AlertRuleSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9-]*$', description: 'Names the rule in messages and keeps its incidents apart.' }),
    when: Type.Union([
      Type.Object(
        { exceptions: Type.Object({ flow: Type.Optional(Type.String({ minLength: 1 })), above: Type.Integer({ minimum: 0 }), withinMinutes: Type.Integer({ minimum: 1 }) }, Strict) },
        Strict,
      ),
      Type.Object({ connectionUnhealthy: Type.Object({ connection: Type.String({ minLength: 1 }) }, Strict) }, Strict),
      Type.Object({ tokenExpiring: Type.Object({ withinDays: Type.Integer({ minimum: 1 }) }, Strict) }, Strict),
      Type.Object({ oldestDueRun: Type.Object({ olderThanMinutes: Type.Integer({ minimum: 1 }) }, Strict) }, Strict),
    ]),
    notify: Type.Union([Type.Object({ webhook: HttpUrl }, Strict), Type.Object({ slack: HttpUrl }, Strict)]),
  },
  Strict,
);

/**
 * THE configuration schema. `loadConfig` validates every source against it, `WeftConfig` is
 * derived from it, and docs/reference/config.md is generated from it (`npm run gen`), so a
 * setting is declared exactly once. Environment variable names are derived from the keys:
 * `leaseMs` → `WEFT_LEASE_MS`.
 */
export const ConfigSchema = Type.Object(
  {
    host: Type.String({
      minLength: 1,
      default: '127.0.0.1',
      description: 'Address the HTTP server binds to. Use 0.0.0.0 to accept connections from other machines.',
    }),
    port: Type.Integer({
      minimum: 0,
      maximum: 65535,
      default: 8787,
      description: 'Port for webhooks and the management API. 0 picks a free port.',
    }),
    db: Type.String({
      minLength: 1,
      default: './.weft/weft.db',
      description: 'SQLite database file. Its folder is created when missing.',
    }),
    database: Type.String({
      pattern: '^$|^postgres(ql)?://',
      expected: 'a postgres:// or postgresql:// URL, or empty',
      default: '',
      description:
        'PostgreSQL URL (`postgres://user:password@host:5432/db`). When set, the store is PostgreSQL and `db` is not used: every `weft start` pointed at it shares the work. Empty: SQLite at `db`.',
    }),
    databasePoolSize: Type.Integer({
      minimum: 1,
      default: 10,
      description:
        'PostgreSQL connections each process keeps open for store calls (one more listens for new work). Processes × (this + 1) must stay under the server\'s max_connections.',
    }),
    flows: Type.Array(Type.String({ minLength: 1 }), {
      minItems: 1,
      default: ['./flows'],
      description: 'Flow files, or folders of flow files, to load.',
    }),
    leaseMs: Type.Integer({
      minimum: 1000,
      default: 30_000,
      description: 'How long a worker holds a claimed run before another worker may take it over. Renewed while the run is in progress.',
    }),
    workerConcurrency: Type.Integer({
      minimum: 1,
      default: 32,
      description: 'Runs one process executes at once.',
    }),
    pollIntervalMs: Type.Integer({
      minimum: 1,
      default: 250,
      description: 'Longest wait between looks for due runs when nothing wakes the worker sooner.',
    }),
    maxBodyBytes: Type.Integer({
      minimum: 1,
      default: 1_048_576,
      description: 'Largest body accepted by a webhook whose flow sets no maxBodyBytes of its own, and by the management API (413 above it).',
    }),
    mappingBudgetMs: Type.Integer({
      minimum: 1,
      default: 1000,
      description: 'Time budget of one expression evaluation. A flow may set its own `mappingBudget`.',
    }),
    sqliteSynchronous: Type.Union([Type.Literal('full'), Type.Literal('normal')], {
      default: 'full',
      description:
        'SQLite `synchronous` pragma. `full` survives power loss; `normal` is faster but may lose the last acknowledged events on power loss (never on a process crash).',
    }),
    auditBodyBytes: Type.Integer({
      minimum: 0,
      default: 65_536,
      description: 'Bytes of each request and response body kept in the audit log; longer bodies are truncated. 0 keeps none.',
    }),
    redactFields: Type.Array(Type.String({ minLength: 1 }), {
      default: ['password', 'secret', 'token', 'apiKey', 'cardNumber', 'cvc'],
      description:
        'Names whose values the audit log redacts, whole and in any case, whatever the value: fields of JSON and form-encoded request and response bodies (at any depth) and query parameters of the URL. Names that look like credentials (access_token, client_secret, api_key, password…) are redacted without being listed, when their value is text, an object or an array.',
    }),
    egressAllow: Type.Array(Type.String({ minLength: 1 }), {
      default: [],
      description:
        "Internal addresses outbound calls may reach, code steps' fetch and node:http(s) requests included: CIDR, address[:port] or host[:port]. Calls to loopback, private, link-local and metadata addresses are refused otherwise, checked on the address actually connected to (ADR-0006).",
    }),
    logLevel: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
      { default: 'info', description: 'Least severe log level written (logs go to stderr as JSON lines).' },
    ),
    shutdownTimeoutMs: Type.Integer({
      minimum: 0,
      default: 30_000,
      description:
        'On SIGTERM/SIGINT, the whole shutdown may take this long. In-flight runs get all of it but the last 5 s to finish; those still running are then handed back to the queue (exit 0). A shutdown that still has not finished when it runs out exits with status 1.',
    }),
    alerts: Type.Array(AlertRuleSchema, {
      default: [],
      description:
        'Alert rules, each `{ id, when, notify }`: `when` is one of `exceptions: { flow?, above, withinMinutes }`, `connectionUnhealthy: { connection }`, `tokenExpiring: { withinDays }`, `oldestDueRun: { olderThanMinutes }`; `notify` is `webhook: url` or `slack: url`. One incident is one message, also with several processes (docs/guides/observability.md). In the environment: JSON.',
    }),
    alertEvaluationSeconds: Type.Integer({
      minimum: 1,
      default: 30,
      description: 'How often alert rules are evaluated.',
    }),
    adminPassword: Type.String({
      default: '',
      description:
        'The local admin password the console signs in with (POST /api/v1/session). When unset, the first `weft start` prints a generated one once. Stored only as a scrypt hash.',
    }),
    adminSessionTtlMs: Type.Integer({
      minimum: 60_000,
      default: 8 * 60 * 60 * 1000,
      description: 'How long an admin session token from the admin password stays valid.',
    }),
    retentionRuns: Type.String({
      pattern: RETENTION_PATTERN,
      expected: 'a duration such as 30d or 12h, or off',
      default: '30d',
      description:
        'How long a finished run is kept (succeeded, or parked with its exception closed: replayed, discarded, resolved), with its event, checkpoints, effects and calls; older ones are deleted every hour, in small batches (ADR-0015). Runs on their way, runs with an open exception and reconciliation hand-overs are never deleted. At least 7d: a webhook redelivered after its event was deleted is accepted as a new one (Shopify retries for 48 h, Stripe for 3 days). `off` keeps everything.',
    }),
    retentionCalls: Type.String({
      pattern: RETENTION_PATTERN,
      expected: 'a duration such as 30d or 12h, or off',
      default: '30d',
      description:
        "How long the audit of outbound calls (requests and answers, the bulk of the database) is kept, also for runs kept longer; never deleted while its run is on its way or has an open exception. At least 1h. A run's calls go with it whatever this says. `off`: as long as their run.",
    }),
  },
  { additionalProperties: false, title: 'Weft configuration' },
);

export interface WeftConfig extends Static<typeof ConfigSchema> {}
export type ConfigKey = keyof WeftConfig;

/** Invalid configuration. Its message names where the bad value came from. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'ERR_CONFIG_INVALID';
}

export const CONFIG_FILE_NAME = 'weft.config.yaml';

const CONFIG_KEYS = Object.keys(ConfigSchema.properties) as ConfigKey[];
const PATH_KEYS: ReadonlySet<ConfigKey> = new Set(['db', 'flows']);

/** Where the derived name would mislead: `WEFT_DATABASE` could be read as the SQLite file. */
const ENV_NAME_EXCEPTIONS: Partial<Record<ConfigKey, string>> = { database: 'WEFT_DATABASE_URL' };

export function envVarName(key: ConfigKey): string {
  const exception = ENV_NAME_EXCEPTIONS[key];
  if (exception !== undefined) return exception;
  return 'WEFT_' + key.replace(/[A-Z]/g, (letter) => '_' + letter).toUpperCase();
}

function flagName(key: ConfigKey): string {
  return '--' + key.replace(/[A-Z]/g, (letter) => '-' + letter.toLowerCase());
}

export interface LoadConfigOptions {
  cwd: string;
  env: Record<string, string | undefined>;
  /** A config file to read instead of `weft.config.yaml` in cwd; it must exist. */
  configPath?: string;
  /** Command-line flags: the highest precedence. */
  overrides?: Partial<WeftConfig>;
}

/** defaults < weft.config.yaml < WEFT_* environment variables < overrides. Throws `ConfigError`. */
export function loadConfig(options: LoadConfigOptions): WeftConfig {
  const { cwd, env } = options;
  const config = defaultConfig();

  const filePath = options.configPath === undefined ? resolve(cwd, CONFIG_FILE_NAME) : resolve(cwd, options.configPath);
  if (options.configPath !== undefined && !existsSync(filePath)) {
    throw new ConfigError(`config file not found: ${filePath}`);
  }
  if (existsSync(filePath)) {
    Object.assign(config, readConfigFile(filePath, relative(cwd, filePath) || filePath));
  }

  for (const key of CONFIG_KEYS) {
    const name = envVarName(key);
    const text = env[name];
    // An empty variable counts as unset, so `WEFT_PORT= weft start` falls back like a missing one.
    if (text === undefined || text.trim() === '') continue;
    assign(config, key, checked(key, parseConfigText(key, text), `${name}: `));
  }

  for (const [key, value] of Object.entries(options.overrides ?? {})) {
    if (value === undefined) continue;
    if (!isConfigKey(key)) throw new ConfigError(`unknown setting "${key}"`);
    assign(config, key, checked(key, value, `${flagName(key)}: `));
  }

  // Incidents are kept per rule id: two rules with one id would silence each other.
  const ruleIds = config.alerts.map((rule) => rule.id);
  const repeated = ruleIds.find((id, index) => ruleIds.indexOf(id) !== index);
  if (repeated !== undefined) throw new ConfigError(`alerts: rule ids must be unique; "${repeated}" appears more than once`);

  // What is still relative came from the defaults, the environment or a flag: cwd is its base.
  return { ...config, db: resolvePaths(config.db, cwd) as string, flows: resolvePaths(config.flows, cwd) as string[] };
}

/** A retention setting in milliseconds; undefined for `off` (keep everything). */
export function retentionMs(value: string): number | undefined {
  return value === 'off' ? undefined : toMs(value);
}

/** Every setting at its default, paths unresolved. */
function defaultConfig(): WeftConfig {
  return Value.Create(ConfigSchema);
}

/**
 * Converts a setting's text form (an environment variable or a flag) to its value: integers
 * are parsed strictly and lists are comma-separated. Text that does not parse is returned
 * unchanged, so validation reports it with the expected form.
 */
export function parseConfigText(key: ConfigKey, text: string): unknown {
  const schema = ConfigSchema.properties[key];
  const trimmed = text.trim();
  if (KindGuard.IsInteger(schema)) return /^-?[0-9]+$/.test(trimmed) ? Number(trimmed) : text;
  if (KindGuard.IsArray(schema) && KindGuard.IsObject(schema.items)) {
    try {
      return JSON.parse(trimmed) as unknown;
    } catch {
      return text;
    }
  }
  if (KindGuard.IsArray(schema)) {
    return trimmed
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  }
  return trimmed;
}

function readConfigFile(path: string, displayPath: string): Partial<WeftConfig> {
  const text = readFileSync(path, 'utf8');
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined): string => {
    const { line, col } = lineCounter.linePos(offset ?? 0);
    return `${displayPath}:${line}:${col}: `;
  };

  const [syntaxError] = doc.errors;
  if (syntaxError) throw new ConfigError(at(syntaxError.pos[0]) + syntaxError.message);
  if (doc.contents === null) return {};
  if (!isMap(doc.contents)) throw new ConfigError(at(doc.contents.range?.[0]) + 'expected a mapping of settings, e.g. "port: 8787"');

  // Plain values come from the whole document, so anchors and aliases resolve as usual.
  const values = doc.toJS({ maxAliasCount: 100 }) as Record<string, unknown>;
  const fileConfig: Partial<WeftConfig> = {};
  for (const pair of doc.contents.items) {
    const keyNode = pair.key;
    const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
    const keyOffset = isScalar(keyNode) ? keyNode.range?.[0] : undefined;
    if (!isConfigKey(key)) {
      const suggestion = closestKey(key);
      throw new ConfigError(at(keyOffset) + `unknown setting "${key}"` + (suggestion ? ` (did you mean "${suggestion}"?)` : ''));
    }
    const where = at((isNode(pair.value) ? pair.value.range?.[0] : undefined) ?? keyOffset);
    const valid = checked(key, values[key] ?? null, where);
    assign(fileConfig, key, PATH_KEYS.has(key) ? resolvePaths(valid, dirname(path)) : valid);
  }
  return fileConfig;
}

function checked(key: ConfigKey, value: unknown, where: string): unknown {
  const problem = settingProblem(key, value);
  if (problem !== undefined) throw new ConfigError(where + problem);
  return value;
}

/** What is wrong with a setting's value ("port must be an integer from 0 to 65535; got …"), or undefined. */
export function settingProblem(key: ConfigKey, value: unknown): string | undefined {
  const schema = ConfigSchema.properties[key];
  if (Value.Check(schema, value)) {
    const minimum = MINIMUM_RETENTION[key];
    if (minimum === undefined || value === 'off' || toMs(value as string) >= minimum.ms) return undefined;
    return `${key} must be at least ${minimum.text}, or off: ${minimum.why}; got ${JSON.stringify(value)}`;
  }
  if (KindGuard.IsArray(schema) && KindGuard.IsObject(schema.items)) {
    // A whole list of rules quoted back would bury the mistake: name the first one instead.
    const first = Value.Errors(schema, value).First();
    return `${key}${first?.path ?? ''}: ${first?.message ?? 'is invalid'}`;
  }
  return `${key} must be ${expectedForm(schema)}; got ${JSON.stringify(value) ?? String(value)}`;
}

function assign(target: Partial<WeftConfig>, key: ConfigKey, value: unknown): void {
  (target as Record<string, unknown>)[key] = value;
}

/** Relative file names resolve against the folder of the file that named them (or cwd). */
function resolvePaths(value: unknown, baseDir: string): unknown {
  if (Array.isArray(value)) return value.map((item) => resolvePaths(item, baseDir));
  // ":memory:" is SQLite's in-memory database, not a file name.
  if (typeof value !== 'string' || value === ':memory:' || isAbsolute(value)) return value;
  return resolve(baseDir, value);
}

function isConfigKey(key: string): key is ConfigKey {
  return (CONFIG_KEYS as string[]).includes(key);
}

function expectedForm(schema: TSchema): string {
  // A setting whose form the generic words below would misstate says it itself.
  if (typeof schema['expected'] === 'string') return schema['expected'];
  if (KindGuard.IsInteger(schema)) {
    const { minimum, maximum } = schema;
    if (minimum !== undefined && maximum !== undefined) return `an integer from ${minimum} to ${maximum}`;
    if (minimum !== undefined) return `an integer ≥ ${minimum}`;
    return 'an integer';
  }
  if (KindGuard.IsUnion(schema)) {
    return 'one of ' + schema.anyOf.map((option) => (KindGuard.IsLiteral(option) ? String(option.const) : '?')).join(', ');
  }
  if (KindGuard.IsArray(schema) && KindGuard.IsObject(schema.items)) return 'a list of objects (JSON in the environment)';
  if (KindGuard.IsArray(schema)) {
    return schema.minItems ? 'a non-empty list of non-empty strings' : 'a list of non-empty strings';
  }
  return 'a non-empty string';
}

function closestKey(key: string): string | undefined {
  let best: { key: ConfigKey; distance: number } | undefined;
  for (const candidate of CONFIG_KEYS) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (!best || distance < best.distance) best = { key: candidate, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(key.length / 3)) ? best.key : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** docs/reference/config.md, generated from the schema above (`npm run gen`; a test checks for drift). */
export function configReferenceMarkdown(): string {
  const rows = CONFIG_KEYS.map((key) => {
    const schema = ConfigSchema.properties[key] as TSchema;
    const fallback = Array.isArray(schema.default) ? schema.default.join(',') : String(schema.default);
    return `| \`${key}\` | \`${envVarName(key)}\` | ${expectedForm(schema)} | \`${fallback || '(none)'}\` | ${schema.description} |`;
  });
  const example = CONFIG_KEYS.filter((key) => ['port', 'db', 'flows', 'redactFields'].includes(key))
    .map((key) => {
      const value = (ConfigSchema.properties[key] as TSchema).default;
      return Array.isArray(value) ? `${key}:\n${value.map((item) => `  - ${item}`).join('\n')}` : `${key}: ${value}`;
    })
    .join('\n');
  return `<!-- Generated from ConfigSchema in packages/weft/src/config.ts by \`npm run gen\`. Edit the schema, not this file. -->

# Configuration reference

Weft reads its settings from four places. Each one overrides the one before it:

1. the defaults below;
2. \`weft.config.yaml\` in the working directory, or the file given with \`--config <file>\`;
3. \`WEFT_*\` environment variables;
4. command-line flags (\`weft start --port 0 --db ./other.db --flows ./flows ./more-flows\`).

Invalid configuration stops Weft before anything starts, with a message that names the source:
\`weft.config.yaml:3:7: port must be an integer from 0 to 65535; got "eighty"\`, or
\`WEFT_LEASE_MS: leaseMs must be an integer ≥ 1000; got "30s"\`. Unknown keys in the file are
errors too, so a typo is never silently ignored.

## Settings

| key | environment variable | value | default | meaning |
|---|---|---|---|---|
${rows.join('\n')}

## Rules

- In the environment, lists are comma-separated (\`WEFT_FLOWS=./flows,./shared-flows\`) and an
  empty variable counts as unset.
- Relative paths (\`db\`, \`flows\`) resolve against the folder of the config file that set them;
  from the environment, flags or defaults, against the working directory. \`db: ":memory:"\`
  keeps everything in memory (tests only: nothing survives a restart).
- Other \`WEFT_*\` variables (such as \`WEFT_DEBUG=1\`, which adds stack traces to CLI errors) are
  not settings and are ignored here.

## The master key: environment only

The credential vault's master key is read from the environment and nowhere else — never from
\`weft.config.yaml\` or a flag, which end up in git and in shell history:

| variable | meaning |
|---|---|
| \`WEFT_MASTER_KEY\` | The key that seals new secrets: 32 random bytes, base64 (\`weft vault generate-key\` prints one). |
| \`WEFT_MASTER_KEY_FILE\` | A file holding that key instead (a mounted secret; Weft warns when others can read it). Set this or \`WEFT_MASTER_KEY\`, not both. |
| \`WEFT_MASTER_KEY_PREVIOUS\` | While rotating: earlier keys, comma-separated, so secrets sealed under them still open. |
| \`WEFT_MASTER_KEY_PREVIOUS_FILE\` | A file holding earlier keys, separated by commas or line breaks. |

Rotation (\`weft vault rotate\`) re-seals every secret under the current key; then the previous
keys can go.

## Example

\`\`\`yaml
# weft.config.yaml
${example}
\`\`\`
`;
}
