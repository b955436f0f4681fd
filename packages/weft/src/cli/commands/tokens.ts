import { Command, Option } from 'commander';
import { newId } from '../../core/ids.ts';
import { newToken } from '../../http/api/auth.ts';
import { API_ROLES, type ApiRole } from '../../store/store.ts';
import { addConfigOption, addSettingOptions, CliError, loadCliConfig, withStore, type CliContext, type ConfigFlags } from '../context.ts';
import { createOutput, formatTime } from '../output.ts';

/** What the audit names as the actor of a token change made from the command line. */
const CLI_ACTOR = 'cli';

/** `weft tokens create|list|revoke`: API tokens for the management API and the console. */
export function tokensCommand(context: CliContext): Command {
  const command = new Command('tokens').description('API tokens for the management API and the console (stored hashed, shown once)');

  const create = new Command('create')
    .description('create a token and print it, this once')
    .requiredOption('--name <name>', 'who or what uses it, e.g. ci or ops-ann (named in the audit)')
    .addOption(new Option('--role <role>', 'viewer reads; operator also replays and discards; admin also manages flows, connections and tokens').choices(API_ROLES).makeOptionMandatory())
    .option('--json', 'print JSON');
  addConfigOption(create);
  addSettingOptions(create, ['db']);
  create.action(async (flags: ConfigFlags & { name: string; role: ApiRole; json?: boolean }) => {
    const name = flags.name.trim();
    if (name === '') throw new CliError('--name must not be empty');
    const config = loadCliConfig(context, flags);
    const now = Date.now();
    const id = newId('tok', now);
    const { token, hash } = newToken();
    // One transaction: a token whose creation cannot be audited is not created (it would never be shown).
    await withStore(config, (store) =>
      store.tokens.create({ id, name, role: flags.role, kind: 'api', hash, now }, { at: now, actor: CLI_ACTOR, role: 'admin', action: 'token.create', target: id, detail: { name, role: flags.role } }),
    );
    const out = createOutput(context);
    if (flags.json) return out.json({ id, name, role: flags.role, token });
    out.line(token);
    out.note(`token ${id} (${name}, ${flags.role}) created; it is shown this once, only its hash is kept`);
  });

  const list = new Command('list').description('live tokens (never their values)').option('--json', 'print JSON');
  addConfigOption(list);
  addSettingOptions(list, ['db']);
  list.action(async (flags: ConfigFlags & { json?: boolean }) => {
    const tokens = await withStore(loadCliConfig(context, flags), (store) => store.tokens.list());
    const out = createOutput(context);
    const rows = tokens.map(({ id, name, role, createdAt, lastUsedAt }) => ({ id, name, role, createdAt, lastUsedAt }));
    if (flags.json) return out.json(rows);
    if (rows.length === 0) return out.note('no tokens (create one with `weft tokens create --name <name> --role viewer|operator|admin`)');
    out.table(rows, [
      { header: 'id', value: (row) => row.id },
      { header: 'name', value: (row) => row.name },
      { header: 'role', value: (row) => row.role },
      { header: 'created', value: (row) => formatTime(row.createdAt) },
      { header: 'last used', value: (row) => (row.lastUsedAt === null ? 'never' : formatTime(row.lastUsedAt)) },
    ]);
  });

  const revoke = new Command('revoke').description('revoke a token: it stops working at once').argument('<id>');
  addConfigOption(revoke);
  addSettingOptions(revoke, ['db']);
  revoke.action(async (id: string, flags: ConfigFlags) => {
    const now = Date.now();
    await withStore(loadCliConfig(context, flags), async (store) => {
      if (!(await store.tokens.revoke(id, now))) throw new CliError(`no live token '${id}' (see \`weft tokens list\`)`);
      await store.adminAudit.record({ at: now, actor: CLI_ACTOR, role: 'admin', action: 'token.revoke', target: id, detail: null });
    });
    createOutput(context).line(`revoked ${id}`);
  });

  return command.addCommand(create).addCommand(list).addCommand(revoke);
}
