import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { Command } from 'commander';
import type { ApiModel, AuthModel } from '../../connectors/openapi/import-openapi.ts';
import { CliError, type CliContext } from '../context.ts';
import { createOutput, formatDuration } from '../output.ts';

interface ImportFlags {
  id: string;
  out?: string;
  baseUrl?: string;
  force?: boolean;
  validate: boolean;
  json?: boolean;
}

const KEBAB_ID = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

export function connectorCommand(context: CliContext): Command {
  const command = new Command('connector').description('create connectors from API descriptions');

  command
    .command('import-openapi')
    .description('turn an OpenAPI 3.x or Swagger 2 document into a declarative connector (TypeScript, one action per operation)')
    .argument('<spec>', 'the document: a JSON or YAML file, or a URL')
    .requiredOption('--id <name>', 'connector id, kebab-case (e.g. paypal-orders)')
    .option('--out <dir>', 'folder to write the connector to (default: ./connectors/<id>)')
    .option('--base-url <url>', "base URL to use instead of the spec's servers")
    .option('--force', 'overwrite a folder that is not empty')
    .option('--no-validate', 'skip checking the document against the OpenAPI schema')
    .option('--json', 'print the summary as JSON')
    .action(async (spec: string, flags: ImportFlags) => {
      if (!KEBAB_ID.test(flags.id)) throw new CliError(`--id must be kebab-case (e.g. paypal-orders); got "${flags.id}"`);
      const out = resolve(context.cwd, flags.out ?? join('connectors', flags.id));
      const isUrl = /^https?:\/\//.test(spec);
      const source = isUrl ? spec : resolve(context.cwd, spec);
      if (!isUrl && !existsSync(source)) throw new CliError(`cannot read ${spec}: no such file`);
      if (!flags.force && existsSync(out) && readdirSync(out).length > 0) {
        throw new CliError(`${shortPath(context.cwd, out)} is not empty; pass --force to overwrite it`);
      }

      const { importOpenApi } = await import('../../connectors/openapi/import-openapi.ts');
      const { GENERATED_MARK } = await import('../../connectors/openapi/to-connector-source.ts');
      const started = performance.now();
      let result;
      try {
        result = await importOpenApi({
          spec: source,
          id: flags.id,
          validate: flags.validate,
          ...(flags.baseUrl === undefined ? {} : { baseUrl: flags.baseUrl }),
        });
      } catch (error) {
        throw new CliError(`${spec}: ${(error as Error).message}`);
      }
      const durationMs = performance.now() - started;

      for (const file of result.files) {
        const path = join(out, file.path);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, file.text);
      }
      // A regenerated spec may have lost operations; their old modules would linger unused.
      const written = new Set(result.files.map((file) => join(out, file.path)));
      const actionsDir = join(out, 'actions');
      for (const name of existsSync(actionsDir) ? readdirSync(actionsDir) : []) {
        const path = join(actionsDir, name);
        if (!written.has(path) && name.endsWith('.ts') && readFileSync(path, 'utf8').startsWith(GENERATED_MARK)) rmSync(path);
      }

      const { model } = result;
      const output = createOutput(context);
      if (flags.json) {
        output.json({
          id: model.id,
          title: model.title,
          version: model.version,
          specification: model.specification,
          out,
          files: result.files.map((file) => file.path),
          baseUrl: model.servers[0],
          servers: model.servers,
          auth: model.auth,
          unsupportedAuth: model.unsupportedAuth,
          actions: model.actions.map((action) => ({ id: action.id, method: action.method, path: action.path })),
          warnings: model.warnings,
          durationMs: Math.round(durationMs),
        });
        return;
      }
      printSummary(context, model, shortPath(context.cwd, out), durationMs);
    });

  return command;
}

function printSummary(context: CliContext, model: ApiModel, out: string, durationMs: number): void {
  const output = createOutput(context);
  const [baseUrl, ...others] = model.servers;
  output.line(`${output.style('green', 'wrote')} ${out}: connector ${model.id} from ${model.title} ${model.version} (${model.specification}) in ${formatDuration(durationMs)}`);
  output.line(`  actions    ${model.actions.length} (${plural(Object.keys(model.definitions).length, 'shared schema')})`);
  output.line(`  base URL   ${baseUrl}${others.length > 0 ? ` (also: ${others.join(', ')}; chosen by the connection's config.baseUrl)` : ''}`);
  output.line(`  auth       ${model.auth.length > 0 ? model.auth.map(describeAuth).join(', ') : 'none'}`);
  if (model.unsupportedAuth.length > 0) output.line(`  left out   ${model.unsupportedAuth.join('; ')}`);
  if (model.warnings.length > 0) {
    output.note(`${plural(model.warnings.length, 'warning')}:`);
    for (const warning of model.warnings) output.note(`  ${warning}`);
  }
}

function describeAuth(scheme: AuthModel): string {
  switch (scheme.kind) {
    case 'api-key':
      return `api key (${scheme.in} ${scheme.name})`;
    case 'oauth2-client-credentials':
      return `OAuth 2 client credentials (${scheme.tokenUrl})`;
    case 'oauth2-authorization-code':
      return `OAuth 2 authorization code (${scheme.authorizationUrl})`;
    default:
      return scheme.kind;
  }
}

function shortPath(cwd: string, path: string): string {
  const short = relative(cwd, path);
  return short === '' ? '.' : short.startsWith('..') ? path : short;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
