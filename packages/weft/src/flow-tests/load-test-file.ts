import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { builtInSandboxes } from '@weft/connectors';
import { formatPath, type FlowPath } from '../flows/diagnostic.ts';
import { findFiles } from '../flows/find-files.ts';
import { reportedSchemaErrors, schemaErrorPath, unknownKeyIssue } from '../flows/schema-errors.ts';
import { closestMatch } from '../flows/did-you-mean.ts';
import { parseYamlSource, type Position } from '../flows/yaml-source.ts';
import { parseRecording, type Recording } from './recording-file.ts';
import { DOUBLE_KINDS, FlowTestFileSchema, INPUT_KINDS, type Double, type Expectation, type FlowTestFile, type TestInput } from './test-file-schema.ts';

/** Test files: `*.test.yaml` / `*.test.yml`, searched for recursively (by default under ./tests). */
const TEST_FILE = /\.test\.ya?ml$/;
export const DEFAULT_TEST_DIR = 'tests';

export type TestDiagnosticCode = 'ERR_TEST_READ' | 'ERR_TEST_YAML_SYNTAX' | 'ERR_TEST_UNKNOWN_KEY' | 'ERR_TEST_MISSING_KEY' | 'ERR_TEST_INVALID_VALUE' | 'ERR_TEST_FIXTURE';

/** One problem in one test file, 1-based, in the form `weft validate` uses for flows. */
export interface TestDiagnostic extends Position {
  file: string;
  code: TestDiagnosticCode;
  message: string;
  hint?: string;
}

export function formatTestDiagnostic(diagnostic: TestDiagnostic): string {
  const head = `${diagnostic.file}:${diagnostic.line}:${diagnostic.column} ${diagnostic.message} [${diagnostic.code}]`;
  return diagnostic.hint === undefined ? head : `${head}\n  hint: ${diagnostic.hint}`;
}

/** What answers outbound calls, with its recording read and checked when it is a replay. */
export type Stand = { kind: 'sandbox'; vendor: string } | { kind: 'replay'; file: string; recording: Recording };

export interface PreparedInput {
  source: 'webhook' | 'manual' | 'poll';
  body: unknown;
  /** The exact bytes a webhook sends (what its signature covers). */
  rawBody: Buffer;
  headers: Record<string, string>;
  query: Record<string, string>;
}

export interface PreparedCase {
  name: string;
  input: PreparedInput;
  expect: Expectation;
  timeoutMs: number;
}

/** A test file, checked, its fixtures and recordings read: nothing left to fail but the tests. */
export interface FlowTest {
  file: string;
  flowId: string;
  /** Absolute; undefined means the config's flows. */
  flows?: string[];
  env: Record<string, string | Stand>;
  connections: Record<string, Stand>;
  hosts: Record<string, Stand>;
  cases: PreparedCase[];
}

const DEFAULT_CASE_TIMEOUT_MS = 15_000;

interface Issue {
  path: FlowPath;
  code: TestDiagnosticCode;
  message: string;
  hint?: string;
  isAtKey?: boolean;
}

/** Every test file under `paths` (files are taken as given), sorted, each once. */
export function findTestFiles(paths: string[]): Promise<string[]> {
  return findFiles(paths, TEST_FILE, (path, error) => {
    throw new Error(`cannot read ${path}: ${error.code ?? error.message}`);
  });
}

let validator: ValidateFunction | undefined;

/** Reads and checks one test file; `test` is set only when there are no diagnostics. */
export async function loadTestFile(file: string): Promise<{ test?: FlowTest; diagnostics: TestDiagnostic[] }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    return { diagnostics: [{ file, line: 1, column: 1, code: 'ERR_TEST_READ', message: `cannot read ${file}: ${(error as Error).message}` }] };
  }
  const source = parseYamlSource(text);
  if (source.syntaxErrors.length > 0) {
    return { diagnostics: source.syntaxErrors.map((error) => ({ file, line: error.line, column: error.column, code: 'ERR_TEST_YAML_SYNTAX' as const, message: error.message })) };
  }
  const toDiagnostics = (issues: Issue[]): TestDiagnostic[] =>
    issues
      .map((issue) => ({ file, ...source.locate(issue), code: issue.code, message: issue.message, ...(issue.hint === undefined ? {} : { hint: issue.hint }) }))
      .sort((a, b) => a.line - b.line || a.column - b.column);
  validator ??= new Ajv({ allErrors: true, verbose: true }).compile(FlowTestFileSchema);
  if (!validator(source.value)) return { diagnostics: toDiagnostics(schemaIssues(validator.errors ?? [], source.value)) };
  const issues: Issue[] = [];
  const test = await prepare(source.value as FlowTestFile, file, issues);
  return issues.length > 0 ? { diagnostics: toDiagnostics(issues) } : { test, diagnostics: [] };
}

function schemaIssues(errors: ErrorObject[], value: unknown): Issue[] {
  return reportedSchemaErrors(errors).map((error) => {
    const path = schemaErrorPath(error.instancePath, value);
    const schema = (error.parentSchema ?? {}) as { description?: string; anyOf?: Array<{ const?: unknown; type?: string }> };
    const where = formatPath(path) === '(the flow)' ? 'the test file' : formatPath(path);
    const hint = schema.description === undefined ? {} : { hint: schema.description };
    switch (error.keyword) {
      case 'additionalProperties':
        return { ...unknownKeyIssue(error, path, where), code: 'ERR_TEST_UNKNOWN_KEY' as const };
      case 'required':
        return { path, code: 'ERR_TEST_MISSING_KEY' as const, message: `missing required key '${(error.params as { missingProperty: string }).missingProperty}' in ${where}` };
      case 'anyOf': {
        const branches = schema.anyOf ?? [];
        const described = branches.every((branch) => branch.const !== undefined)
          ? `one of ${branches.map((branch) => JSON.stringify(branch.const)).join(', ')}`
          : branches.map((branch) => (branch.type === 'object' ? 'a mapping' : `a ${branch.type ?? 'value'}`)).join(' or ');
        return { path, code: 'ERR_TEST_INVALID_VALUE' as const, message: `${where} must be ${described}`, ...hint };
      }
      case 'propertyNames':
        return { path, code: 'ERR_TEST_INVALID_VALUE' as const, message: `${where} has a key of the wrong form`, ...hint };
      default:
        return { path, code: 'ERR_TEST_INVALID_VALUE' as const, message: `${where} ${error.message ?? 'is invalid'}`, ...hint };
    }
  });
}

/** The one kind key present, or an issue saying which are allowed. */
function oneKind<Kind extends string>(value: object, kinds: readonly Kind[], path: FlowPath, issues: Issue[]): Kind | undefined {
  const present = kinds.filter((kind) => Object.hasOwn(value, kind));
  if (present.length === 1) return present[0];
  issues.push(
    present.length === 0
      ? { path, code: 'ERR_TEST_MISSING_KEY', message: `${formatPath(path)} needs one of ${kinds.join(', ')}` }
      : { path: [...path, present[1]!], isAtKey: true, code: 'ERR_TEST_INVALID_VALUE', message: `${formatPath(path)} has more than one of ${present.join(', ')}` },
  );
  return undefined;
}

async function prepare(raw: FlowTestFile, file: string, issues: Issue[]): Promise<FlowTest> {
  const dir = dirname(resolve(file));
  const recordings = new Map<string, Recording>();
  const readRecording = async (relative: string, path: FlowPath): Promise<Recording | undefined> => {
    const absolute = resolve(dir, relative);
    const known = recordings.get(absolute);
    if (known) return known;
    try {
      const recording = parseRecording(await readFile(absolute, 'utf8'), relative);
      recordings.set(absolute, recording);
      return recording;
    } catch (error) {
      const message = (error as NodeJS.ErrnoException).code === 'ENOENT' ? `recording ${relative} does not exist (looked for ${absolute})` : (error as Error).message;
      issues.push({ path, code: 'ERR_TEST_FIXTURE', message });
      return undefined;
    }
  };
  const stand = async (double: Double, path: FlowPath): Promise<Stand | undefined> => {
    const kind = oneKind(double, DOUBLE_KINDS, path, issues);
    if (kind === 'sandbox') {
      const vendors = Object.keys(builtInSandboxes);
      if (vendors.includes(double.sandbox!)) return { kind, vendor: double.sandbox! };
      const suggestion = closestMatch(double.sandbox!, vendors);
      issues.push({
        path: [...path, 'sandbox'],
        code: 'ERR_TEST_INVALID_VALUE',
        message: `there is no built-in sandbox '${double.sandbox}'`,
        hint: suggestion === undefined ? `sandboxes: ${vendors.join(', ')}` : `did you mean ${suggestion}?`,
      });
    }
    if (kind === 'replay') {
      const recording = await readRecording(double.replay!, [...path, 'replay']);
      if (recording) return { kind, file: resolve(dir, double.replay!), recording };
    }
    return undefined;
  };
  const standsOf = async (entries: Record<string, Double> | undefined, key: string) => {
    const result: Record<string, Stand> = {};
    for (const [name, double] of Object.entries(entries ?? {})) {
      const resolved = await stand(double, [key, name]);
      if (resolved) result[name] = resolved;
    }
    return result;
  };

  const env: Record<string, string | Stand> = {};
  for (const [name, value] of Object.entries(raw.env ?? {})) {
    const resolved = typeof value === 'string' ? value : await stand(value, ['env', name]);
    if (resolved !== undefined) env[name] = resolved;
  }
  const cases: PreparedCase[] = [];
  const names = new Set<string>();
  for (const [index, testCase] of raw.cases.entries()) {
    if (names.has(testCase.name)) issues.push({ path: ['cases', index, 'name'], code: 'ERR_TEST_INVALID_VALUE', message: `two cases are named '${testCase.name}'` });
    names.add(testCase.name);
    const message = testCase.expect.exception?.message;
    if (message !== undefined) {
      try {
        new RegExp(message);
      } catch (error) {
        issues.push({ path: ['cases', index, 'expect', 'exception', 'message'], code: 'ERR_TEST_INVALID_VALUE', message: `not a regular expression: ${(error as Error).message}` });
      }
    }
    if (testCase.expect.exception !== undefined && testCase.expect.status !== 'exception') {
      issues.push({ path: ['cases', index, 'expect', 'exception'], isAtKey: true, code: 'ERR_TEST_INVALID_VALUE', message: 'expect.exception needs status: exception' });
    }
    const input = await prepareInput(testCase.input, ['cases', index, 'input'], dir, readRecording, issues);
    if (input) cases.push({ name: testCase.name, input, expect: testCase.expect, timeoutMs: testCase.timeout ?? DEFAULT_CASE_TIMEOUT_MS });
  }
  return {
    file,
    flowId: raw.flow,
    ...(raw.flows ? { flows: raw.flows.map((path) => resolve(dir, path)) } : {}),
    env,
    connections: await standsOf(raw.connections, 'connections'),
    hosts: await standsOf(raw.hosts, 'hosts'),
    cases,
  };
}

async function prepareInput(
  input: TestInput,
  path: FlowPath,
  dir: string,
  readRecording: (relative: string, path: FlowPath) => Promise<Recording | undefined>,
  issues: Issue[],
): Promise<PreparedInput | undefined> {
  const kind = oneKind(input, INPUT_KINDS, path, issues);
  if (kind === undefined) return undefined;
  if (kind === 'recording') {
    const recording = await readRecording(input.recording!, [...path, 'recording']);
    if (!recording) return undefined;
    const { source, headers, query, body } = recording.trigger;
    // A recorded webhook is sent again, signed afresh; any other recorded event starts a run as it was.
    const replayedSource = source === 'webhook' || source === 'poll' ? source : 'manual';
    return { source: replayedSource, body, rawBody: Buffer.from(JSON.stringify(body)), headers, query };
  }
  const event = input[kind]!;
  const eventPath = [...path, kind];
  const hasBody = Object.hasOwn(event, 'body');
  if (hasBody === (event.file !== undefined)) {
    issues.push({ path: eventPath, code: 'ERR_TEST_INVALID_VALUE', message: `${formatPath(eventPath)} needs exactly one of body or file` });
    return undefined;
  }
  let body = event.body;
  let rawBody: Buffer | undefined;
  if (event.file !== undefined) {
    const absolute = resolve(dir, event.file);
    try {
      rawBody = await readFile(absolute);
    } catch (error) {
      issues.push({ path: [...eventPath, 'file'], code: 'ERR_TEST_FIXTURE', message: `cannot read ${event.file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` });
      return undefined;
    }
    try {
      body = /\.ya?ml$/i.test(absolute) ? parseYaml(rawBody.toString('utf8')) : JSON.parse(rawBody.toString('utf8'));
    } catch (error) {
      issues.push({ path: [...eventPath, 'file'], code: 'ERR_TEST_FIXTURE', message: `${event.file} is not valid JSON or YAML: ${(error as Error).message}` });
      return undefined;
    }
    // YAML is re-serialised as JSON; a JSON file goes out byte for byte.
    if (/\.ya?ml$/i.test(absolute)) rawBody = undefined;
  }
  const webhook = kind === 'webhook' ? (event as NonNullable<TestInput['webhook']>) : undefined;
  return {
    source: kind,
    body,
    rawBody: rawBody ?? Buffer.from(JSON.stringify(body)),
    headers: webhook?.headers ?? {},
    query: webhook?.query ?? {},
  };
}
