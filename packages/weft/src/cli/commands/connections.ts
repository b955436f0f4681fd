import { Command } from 'commander';
import { Value } from '@sinclair/typebox/value';
import { AUTH_SECRETS, isConnectorError, type Connector } from '@weft/sdk';
import { addConfigOption, addSettingOptions, CliError, loadCliConfig, type CliContext, type ConfigFlags } from '../context.ts';
import { createOutput, formatTime } from '../output.ts';
import type { WeftConfig } from '../../config.ts';
import type { Outbound } from '../../main.ts';
import type { Store } from '../../store/store.ts';
import { collectSecret, type SecretAssignment } from '../secret-source.ts';
import { ENGINE_CONNECTION_SETTINGS } from '../../connectors/connection-auth-factory.ts';

interface AddFlags extends ConfigFlags {
  connector: string;
  set: string[];
  secret: SecretAssignment[];
  auth?: string;
}

export function connectionsCommand(context: CliContext): Command {
  const command = new Command('connections').description('configured connections to systems: their connector, settings and secrets');

  const add = new Command('add')
    .description('create or replace a connection; secrets go to the vault, encrypted')
    .argument('<id>', 'the name flows use: call: { connection: <id>, … }')
    .requiredOption('--connector <connectorId>', 'which connector (see `weft connections connectors`)')
    .option('--set <key=value>', 'a non-secret setting, e.g. baseUrl=http://127.0.0.1:4010 (repeatable)', (text: string, all: string[]) => [...all, text], [])
    .option('--secret <name=env:VAR|name=file:PATH>', 'a secret, read from a variable or a file (repeatable)', collectSecret, [])
    .option('--auth <scheme>', "the connector's auth scheme to use, when it has several");
  addConfigOption(add);
  addSettingOptions(add, ['db']);
  add.action(async (id: string, flags: AddFlags) => {
    if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(id)) throw new CliError(`'${id}' is not a connection id (letters, digits, _ and -)`);
    const config = loadCliConfig(context, flags);
    await withOutbound(config, async ({ store, outbound }) => {
      const connector = outbound.connections.registry.get(flags.connector);
      if (!connector) throw new CliError(`no connector '${flags.connector}'; known: ${outbound.connections.registry.list().map((c) => c.id).join(', ')}`);
      const settings: Record<string, unknown> = Object.fromEntries(flags.set.map(parseSetting));
      if (flags.auth !== undefined) settings.authScheme = flags.auth;
      checkSettings(connector, settings);
      const scheme = connector.auth.find((s) => s.kind === settings.authScheme) ?? connector.auth[0];
      const given = new Set(flags.secret.map((s) => s.name));
      const missing = (scheme ? AUTH_SECRETS[scheme.kind].required : []).filter((name) => !given.has(name));
      if (missing.length > 0) throw new CliError(`connector '${connector.id}' (${scheme!.kind}) needs the secret${missing.length > 1 ? 's' : ''} ${missing.join(', ')}: --secret ${missing[0]}=env:VAR`);
      // Read every secret before writing anything: a bad one changes nothing.
      const values = flags.secret.map((secret) => [secret.name, secret.read(context)] as const);
      if (values.length > 0 && !outbound.vault.isAvailable) throw new CliError('secrets need a master key: set WEFT_MASTER_KEY (see `weft vault generate-key`)');
      for (const [name, value] of values) await outbound.vault.vault.put(id, name, value);
      await store.connections.put({ id, connectorId: connector.id, config: settings, now: Date.now() });
      createOutput(context).note(`connection ${id} (${connector.name}) saved${values.length ? ` with ${values.length} secret${values.length > 1 ? 's' : ''}: ${values.map(([n]) => n).join(', ')}` : ''}`);
    });
  });

  const list = new Command('list').description('every connection, with the names (never the values) of its secrets').option('--json', 'print JSON');
  addConfigOption(list);
  addSettingOptions(list, ['db']);
  list.action(async (flags: ConfigFlags & { json?: boolean }) => {
    const config = loadCliConfig(context, flags);
    await withOutbound(config, async ({ store }) => {
      const rows = await Promise.all(
        (await store.connections.list()).map(async (connection) => ({ ...connection, secrets: await store.secrets.listNames(connection.id) })),
      );
      const out = createOutput(context);
      if (flags.json) return out.json(rows);
      if (rows.length === 0) return out.note('no connections; add one with `weft connections add <id> --connector <connectorId>`');
      out.table(rows, [
        { header: 'connection', value: (row) => row.id },
        { header: 'connector', value: (row) => row.connectorId },
        { header: 'settings', value: (row) => JSON.stringify(row.config), maxWidth: 50 },
        { header: 'secrets', value: (row) => row.secrets.join(', ') },
        { header: 'updated', value: (row) => formatTime(row.updatedAt) },
      ]);
    });
  });

  const test = new Command('test').description("make a harmless authenticated call (the connector's test action)").argument('<id>');
  addConfigOption(test);
  addSettingOptions(test, ['db']);
  test.action(async (id: string, flags: ConfigFlags) => {
    const config = loadCliConfig(context, flags);
    await withOutbound(config, async ({ outbound }) => {
      const { testConnection } = await import('../../connectors/test-connection.ts');
      const result = await testConnection(await outbound.connections.resolve(id).catch(asCliError), {
        dispatcher: outbound.dispatcher,
        auditBodyBytes: config.auditBodyBytes,
        redactFields: config.redactFields,
      }).catch((error: unknown) => {
        throw isConnectorError(error) ? new CliError(`connection ${id} failed: ${error.message}${error.status ? ` (HTTP ${error.status})` : ''}`) : asCliError(error);
      });
      createOutput(context).line(`connection ${id} works: ${result.action} answered HTTP ${result.status} in ${result.durationMs} ms`);
    });
  });

  const remove = new Command('remove').description('delete a connection and its secrets').argument('<id>');
  addConfigOption(remove);
  addSettingOptions(remove, ['db']);
  remove.action(async (id: string, flags: ConfigFlags) => {
    const config = loadCliConfig(context, flags);
    await withOutbound(config, async ({ store }) => {
      if (!(await store.connections.remove(id))) throw new CliError(`no connection '${id}'`);
      createOutput(context).note(`connection ${id} and its secrets removed`);
    });
  });

  const connectors = new Command('connectors').description('the connectors this Weft has, with their auth schemes and actions').option('--json', 'print JSON');
  addConfigOption(connectors);
  addSettingOptions(connectors, ['db']);
  connectors.action(async (flags: ConfigFlags & { json?: boolean }) => {
    const config = loadCliConfig(context, flags);
    await withOutbound(config, async ({ outbound }) => {
      const rows = outbound.connections.registry.list().map((c) => ({ id: c.id, name: c.name, auth: c.auth.map((s) => s.kind), actions: c.actions.map((a) => a.id) }));
      const out = createOutput(context);
      if (flags.json) return out.json(rows);
      out.table(rows, [
        { header: 'connector', value: (row) => row.id },
        { header: 'name', value: (row) => row.name },
        { header: 'auth', value: (row) => row.auth.join(', ') },
        { header: 'actions', value: (row) => row.actions.join(', '), maxWidth: 80 },
      ]);
    });
  });

  return command.addCommand(add).addCommand(list).addCommand(test).addCommand(remove).addCommand(connectors);
}

function parseSetting(text: string): [string, unknown] {
  const equals = text.indexOf('=');
  if (equals < 1) throw new CliError(`--set takes key=value, not '${text}'`);
  const raw = text.slice(equals + 1);
  let value: unknown = raw;
  try {
    value = JSON.parse(raw);
  } catch {
    // a plain string
  }
  return [text.slice(0, equals), value];
}

function checkSettings(connector: Connector, settings: Record<string, unknown>): void {
  if (settings.authScheme !== undefined && !connector.auth.some((s) => s.kind === settings.authScheme)) {
    throw new CliError(`connector '${connector.id}' has no auth scheme '${String(settings.authScheme)}' (it has ${connector.auth.map((s) => s.kind).join(', ') || 'none'})`);
  }
  if (!connector.config) return;
  const own = Object.fromEntries(Object.entries(settings).filter(([name]) => !(ENGINE_CONNECTION_SETTINGS as readonly string[]).includes(name)));
  const [problem] = Value.Errors(connector.config, own);
  if (problem) throw new CliError(`setting ${problem.path.slice(1) || '(all)'}: ${problem.message}`);
}

function asCliError(error: unknown): never {
  throw error instanceof Error && !(error instanceof CliError) && 'code' in error ? new CliError(error.message) : error;
}

/** Connection commands need the vault and the connector registry as the engine sees them. */
export async function withOutbound<T>(config: WeftConfig, use: (opened: { store: Store; outbound: Outbound }) => Promise<T>): Promise<T> {
  const { openStore, openOutbound } = await import('../../main.ts');
  const store = await openStore(config);
  const outbound = openOutbound(config, store);
  try {
    return await use({ store, outbound });
  } finally {
    await outbound.dispatcher.close();
    await store.close();
  }
}
