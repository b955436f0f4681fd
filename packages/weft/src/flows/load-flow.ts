import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { toMs } from '../core/duration.ts';
import type { CompiledExpression, ExpressionEngine } from '../transforms/expression.ts';
import { compileTemplate, type CompiledTemplate } from '../transforms/template.ts';
import type { FlowDiagnostic, FlowIssue } from './diagnostic.ts';
import { isConnectorCall, type Flow, type HttpCallStep, type Step } from './flow-schema.ts';
import { findFiles } from './find-files.ts';
import { lintFlow, lintRepairFlows } from './lint-flow.ts';
import { createModuleImporter, type ModuleImporter } from './module-import.ts';
import { resolveReferences, resolvedReferences, type SecretValues } from './references.ts';
import { isMapping, validateFlowShape, wellShapedParts } from './validate-flow.ts';
import { parseYamlSource, type Position } from './yaml-source.ts';

export { formatDiagnostic } from './diagnostic.ts';
export type { FlowDiagnostic, FlowDiagnosticCode } from './diagnostic.ts';

/** Where a code step's function lives: checked at load, run by the engine's code runner in a worker thread. */
export interface CodeModule {
  /** The module's file URL. */
  url: string;
  exportName: string;
  /**
   * Which `loadFlows` call checked it, counting up in this process. A worker imports a module
   * once; the code runner replaces workers that imported for an older load, so a `weft dev`
   * reload runs the edited module (and the files it imports).
   */
  load: number;
}

/** A flow that passed every check, with everything it needs at run time prepared. */
export interface LoadedFlow {
  flow: Flow;
  file: string;
  /** Compiled at load; the same source gives the same object. */
  expression(source: string): CompiledExpression;
  /** A call's url, header or query template, compiled at load with `${env:NAME}` resolved. */
  template(text: string): CompiledTemplate;
  /** A code step's module and export, checked at load. Throws for a step that is not a code step. */
  codeModule(stepId: string): CodeModule;
  /** The webhook signature secret with `${env:NAME}` resolved; absent when the flow has no signature or env was not resolved. */
  webhookSecret?: string;
  /**
   * The resolved values of the references that carry credentials, which the audit log replaces
   * wherever they appear (see credentialValuesOf); absent when env was not resolved.
   */
  credentialValues?: readonly string[];
}

export interface LoadFlowsOptions {
  engine: ExpressionEngine;
  env: Record<string, string | undefined>;
  /**
   * Default true: `${env:NAME}` must be set (unset or empty is a diagnostic) and is resolved.
   * `weft validate` passes false to check flows where production variables are absent: then
   * only the form of references is checked, and the flows returned are for inspection only
   * (templates keep `${env:…}` verbatim and `webhookSecret` is absent).
   */
  resolveEnv?: boolean;
  /** Flow-level secrets from the vault for `${secret:NAME}`; absent when no vault is configured. */
  secrets?: SecretValues;
}

const FLOW_FILE = /\.(ya?ml|flow\.ts)$/;
const MODULE_FILE = /\.(ts|mts|js|mjs)$/;
const START: Position = { line: 1, column: 1 };
/** Numbers the `loadFlows` calls of this process: see `CodeModule.load`. */
let loadCount = 0;

interface Checked {
  file: string;
  flow: Flow;
  locate: (issue: FlowIssue) => Position;
  codeModules: Map<string, CodeModule>;
}

/**
 * Loads flow files and directories (searched recursively for *.yaml, *.yml and *.flow.ts).
 * A flow with any diagnostic is left out of `flows`: a flow either loads whole or not at all.
 */
export async function loadFlows(
  paths: string[],
  options: LoadFlowsOptions,
): Promise<{ flows: LoadedFlow[]; diagnostics: FlowDiagnostic[] }> {
  const resolveEnv = options.resolveEnv ?? true;
  const load = ++loadCount;
  const diagnostics: FlowDiagnostic[] = [];
  const checked: Checked[] = [];
  const importer = createModuleImporter();
  try {
    for (const file of await findFlowFiles(paths, diagnostics)) {
      const fileDiagnostics: FlowDiagnostic[] = [];
      const result = await checkFile(file, { options, resolveEnv, load, importer }, fileDiagnostics);
      fileDiagnostics.sort((a, b) => a.line - b.line || a.column - b.column);
      diagnostics.push(...fileDiagnostics);
      if (result !== undefined && fileDiagnostics.length === 0) checked.push(result);
    }
  } finally {
    await importer.close();
  }
  const accepted = rejectUnknownRepairFlows(rejectDuplicates(checked, diagnostics), diagnostics);
  return { flows: accepted.map((result) => toLoadedFlow(result, options, resolveEnv)), diagnostics };
}

function findFlowFiles(paths: string[], diagnostics: FlowDiagnostic[]): Promise<string[]> {
  return findFiles(paths, FLOW_FILE, (path, error) => {
    diagnostics.push({ file: path, ...START, code: 'ERR_FLOW_READ', message: `cannot read ${path}: ${error.message}` });
  });
}

/** What every file of one `loadFlows` call is checked with. */
interface LoadContext {
  options: LoadFlowsOptions;
  resolveEnv: boolean;
  load: number;
  importer: ModuleImporter;
}

async function checkFile(file: string, { options, resolveEnv, load, importer }: LoadContext, diagnostics: FlowDiagnostic[]): Promise<Checked | undefined> {
  const source = await readSource(file, importer, diagnostics);
  if (source === undefined) return undefined;
  const report = (issues: FlowIssue[]) => {
    for (const issue of issues) {
      const diagnostic: FlowDiagnostic = { file, ...source.locate(issue), code: issue.code, message: issue.message };
      if (issue.hint !== undefined) diagnostic.hint = issue.hint;
      diagnostics.push(diagnostic);
    }
  };
  const shapeIssues = validateFlowShape(source.value);
  if (!isMapping(source.value)) {
    report(shapeIssues);
    return undefined;
  }
  const flow = source.value as Flow;
  // The lint runs past shape problems, on the parts the schema found sound, so one run reports every problem.
  const lintOptions = resolveEnv ? { engine: options.engine, env: options.env, ...(options.secrets ? { secrets: options.secrets } : {}) } : { engine: options.engine };
  const flowIssues = [...shapeIssues, ...lintFlow(flow, { ...lintOptions, isWellShaped: wellShapedParts(shapeIssues) })];
  if (flowIssues.length > 0) {
    report(flowIssues);
    return undefined;
  }
  const { codeModules, issues } = await checkCodeModules(flow, file, load, importer);
  report(issues);
  return { file, flow, locate: source.locate, codeModules };
}

async function readSource(
  file: string,
  importer: ModuleImporter,
  diagnostics: FlowDiagnostic[],
): Promise<{ value: unknown; locate: (issue: FlowIssue) => Position } | undefined> {
  if (MODULE_FILE.test(file)) {
    let flow: unknown;
    try {
      flow = await importer.defaultExport(pathToFileURL(resolve(file)).href);
    } catch (err) {
      diagnostics.push({ file, ...START, code: 'ERR_FLOW_MODULE', message: `cannot import the flow module: ${(err as Error).message}` });
      return undefined;
    }
    if (flow === undefined) {
      diagnostics.push({
        file,
        ...START,
        code: 'ERR_FLOW_MODULE',
        message: 'a flow module must export its flow as the default export',
        hint: 'export default defineFlow({ id: …, trigger: …, steps: […] })',
      });
      return undefined;
    }
    // Objects carry no positions: every issue points at the file's start and names its place in the message.
    return { value: flow, locate: () => START };
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    diagnostics.push({ file, ...START, code: 'ERR_FLOW_READ', message: `cannot read ${file}: ${(err as Error).message}` });
    return undefined;
  }
  const source = parseYamlSource(text);
  if (source.syntaxErrors.length > 0) {
    for (const error of source.syntaxErrors) {
      diagnostics.push({ file, line: error.line, column: error.column, code: 'ERR_FLOW_YAML_SYNTAX', message: error.message });
    }
    return undefined;
  }
  return { value: source.value, locate: source.locate };
}

function* codeSteps(steps: Step[], path: Array<string | number>): Generator<{ step: Extract<Step, { code: unknown }>; path: Array<string | number> }> {
  for (const [index, step] of steps.entries()) {
    if ('code' in step) yield { step, path: [...path, index] };
    if ('each' in step) yield* codeSteps(step.steps, [...path, index, 'steps']);
  }
}

/**
 * Imports each code module in the importer's thread to check that it loads and exports the
 * function; the steps themselves run in the code runner's workers, which import it again.
 */
async function checkCodeModules(
  flow: Flow,
  file: string,
  load: number,
  importer: ModuleImporter,
): Promise<{ codeModules: Map<string, CodeModule>; issues: FlowIssue[] }> {
  const codeModules = new Map<string, CodeModule>();
  const issues: FlowIssue[] = [];
  for (const { step, path } of codeSteps(flow.steps, ['steps'])) {
    const { module, export: exportName = 'default' } = step.code;
    const modulePath = resolve(dirname(file), module);
    const modulePathOf = [...path, 'code', 'module'];
    if (!existsSync(modulePath)) {
      issues.push({
        path: modulePathOf,
        code: 'ERR_FLOW_CODE_MODULE',
        message: `code module '${module}' of step '${step.id}' does not exist`,
        hint: `looked for ${modulePath} (the path is relative to the flow file and includes the extension)`,
      });
      continue;
    }
    const url = pathToFileURL(modulePath).href;
    let functionNames: string[];
    try {
      functionNames = await importer.exportedFunctions(url);
    } catch (err) {
      issues.push({
        path: modulePathOf,
        code: 'ERR_FLOW_CODE_MODULE',
        message: `cannot import code module '${module}' of step '${step.id}': ${(err as Error).message}`,
      });
      continue;
    }
    if (!functionNames.includes(exportName)) {
      issues.push({
        path: step.code.export === undefined ? modulePathOf : [...path, 'code', 'export'],
        code: 'ERR_FLOW_CODE_EXPORT',
        message: `code module '${module}' of step '${step.id}' has no exported function '${exportName}'`,
        hint: functionNames.length > 0 ? `it exports the functions ${functionNames.join(', ')}` : 'it exports no functions',
      });
      continue;
    }
    codeModules.set(step.id, { url, exportName, load });
  }
  return { codeModules, issues };
}

/** Flows whose reconcile step names a repair flow not among those loaded are left out, with a diagnostic each. */
function rejectUnknownRepairFlows(checked: Checked[], diagnostics: FlowDiagnostic[]): Checked[] {
  const issues = lintRepairFlows(checked.map((result) => result.flow));
  return checked.filter((result, index) => {
    for (const issue of issues[index]!) {
      diagnostics.push({ file: result.file, ...result.locate(issue), code: issue.code, message: issue.message, ...(issue.hint === undefined ? {} : { hint: issue.hint }) });
    }
    return issues[index]!.length === 0;
  });
}

/** Two flows with one id or one webhook path cannot both run: the first file (in load order) keeps it. */
function rejectDuplicates(checked: Checked[], diagnostics: FlowDiagnostic[]): Checked[] {
  const idOwners = new Map<string, string>();
  const pathOwners = new Map<string, string>();
  return checked.filter((result) => {
    const problems: FlowIssue[] = [];
    const idOwner = idOwners.get(result.flow.id);
    if (idOwner !== undefined) {
      problems.push({ path: ['id'], code: 'ERR_FLOW_DUPLICATE_FLOW', message: `flow id '${result.flow.id}' is already used by ${idOwner}` });
    }
    const trigger = result.flow.trigger;
    const webhookPath = 'webhook' in trigger ? trigger.webhook.path : undefined;
    const pathOwner = webhookPath === undefined ? undefined : pathOwners.get(webhookPath);
    if (pathOwner !== undefined) {
      problems.push({
        path: ['trigger', 'webhook', 'path'],
        code: 'ERR_FLOW_DUPLICATE_FLOW',
        message: `webhook path '${webhookPath}' is already served by ${pathOwner}`,
      });
    }
    for (const problem of problems) {
      diagnostics.push({ file: result.file, ...result.locate(problem), code: problem.code, message: problem.message });
    }
    if (problems.length > 0) return false;
    idOwners.set(result.flow.id, result.file);
    if (webhookPath !== undefined) pathOwners.set(webhookPath, result.file);
    return true;
  });
}

/** A flow's `mappingBudget` becomes the default budget of every expression it evaluates. */
function flowBudgeted(engine: ExpressionEngine, budgetMs: number | undefined): (source: string) => CompiledExpression {
  if (budgetMs === undefined) return (source) => engine.compile(source);
  const compiled = new Map<string, CompiledExpression>();
  return (source) => {
    let expression = compiled.get(source);
    if (expression === undefined) {
      const inner = engine.compile(source);
      expression = {
        source,
        isIsolated: inner.isIsolated,
        evaluate: (input, evaluateOptions) => inner.evaluate(input, { budgetMs: evaluateOptions?.budgetMs ?? budgetMs }),
      };
      compiled.set(source, expression);
    }
    return expression;
  };
}

function toLoadedFlow({ flow, file, codeModules }: Checked, options: LoadFlowsOptions, resolveEnv: boolean): LoadedFlow {
  const { engine, env } = options;
  const expression = flowBudgeted(engine, flow.mappingBudget === undefined ? undefined : toMs(flow.mappingBudget));
  const templateOptions = resolveEnv ? { resolveText: (text: string) => resolveReferences(text, env, options.secrets) } : {};
  const templates = new Map<string, CompiledTemplate>();
  const template = (text: string): CompiledTemplate => {
    let compiled = templates.get(text);
    if (compiled === undefined) {
      compiled = compileTemplate({ compile: expression }, text, templateOptions);
      templates.set(text, compiled);
    }
    return compiled;
  };
  const rawCalls: HttpCallStep['call'][] = [];
  const prepare = (steps: Step[]) => {
    for (const step of steps) {
      if ('call' in step && !isConnectorCall(step)) {
        template(step.call.url);
        for (const value of Object.values(step.call.headers ?? {})) template(value);
        for (const value of Object.values(step.call.query ?? {})) template(value);
        rawCalls.push(step.call);
      }
      if ('each' in step) prepare(step.steps);
    }
  };
  prepare(flow.steps);
  const loaded: LoadedFlow = {
    flow,
    file,
    expression,
    template,
    codeModule(stepId) {
      const codeModule = codeModules.get(stepId);
      if (codeModule === undefined) throw new Error(`step '${stepId}' of flow '${flow.id}' is not a code step`);
      return codeModule;
    },
  };
  const signature = 'webhook' in flow.trigger ? flow.trigger.webhook.signature : undefined;
  if (signature !== undefined && resolveEnv) loaded.webhookSecret = resolveReferences(signature.secret, env, options.secrets);
  if (resolveEnv) loaded.credentialValues = credentialValuesOf(rawCalls, loaded.webhookSecret, (text) => resolvedReferences(text, env, options.secrets));
  return loaded;
}

/**
 * Which resolved values are credentials, known by value because the name they are sent under may
 * say nothing (`X-Auth-Key: ${secret:CF}`, `query: { key: ${env:GOOGLE_KEY} }`): the webhook secret,
 * and every reference of a raw call but an `${env:…}` that gives its address: one that begins its
 * url or sits in the url's scheme and host (`${env:ERP_URL}/orders`, `https://${env:ERP_HOST}/orders`).
 * That one the audit must show, and a base URL replaced wherever it appears would blank out every
 * link to the destination. A `${secret:…}` is a credential wherever it sits.
 */
function credentialValuesOf(calls: HttpCallStep['call'][], webhookSecret: string | undefined, resolve: (text: string) => ReturnType<typeof resolvedReferences>): string[] {
  const values = new Set<string>(webhookSecret === undefined ? [] : [webhookSecret]);
  for (const call of calls) {
    for (const { kind, offset, value } of resolve(call.url)) {
      if (kind === 'secret' || !ADDRESS_PREFIX.test(call.url.slice(0, offset))) values.add(value);
    }
    for (const text of [...Object.values(call.headers ?? {}), ...Object.values(call.query ?? {})]) {
      for (const { value } of resolve(text)) values.add(value);
    }
  }
  return [...values];
}

/** What may precede a reference in the url's address: nothing, or a scheme, "//" and part of the authority. */
const ADDRESS_PREFIX = /^(?:[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/\\?#]*)?$/;
