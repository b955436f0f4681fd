import { Command } from 'commander';
import { FLOW_SECRETS } from '../../connectors/vault/open-vault.ts';
import { addConfigOption, addSettingOptions, CliError, loadCliConfig, type CliContext, type ConfigFlags } from '../context.ts';
import { createOutput } from '../output.ts';
import { parseSecretAssignment } from '../secret-source.ts';
import { withOutbound } from './connections.ts';

/** Flow-level secrets: what `${secret:NAME}` in a flow file resolves to when the flow loads. */
export function secretsCommand(context: CliContext): Command {
  const command = new Command('secrets').description('secrets flows reference as ${secret:NAME} (webhook signing secrets, tokens), encrypted in the vault');

  const set = new Command('set')
    .description('store a secret: NAME=env:VARIABLE or NAME=file:PATH (never the value on the command line)')
    .argument('<assignment>', 'e.g. SHOP_WEBHOOK_SECRET=env:SHOP_WEBHOOK_SECRET');
  addConfigOption(set);
  addSettingOptions(set, ['db']);
  set.action(async (assignment: string, flags: ConfigFlags) => {
    const secret = parseSecretAssignment(assignment);
    const value = secret.read(context);
    const config = loadCliConfig(context, flags);
    await withOutbound(config, async ({ outbound }) => {
      if (!outbound.vault.isAvailable) throw new CliError('secrets need a master key: set WEFT_MASTER_KEY (see `weft vault generate-key`)');
      await outbound.vault.vault.put(FLOW_SECRETS, secret.name, value);
      createOutput(context).note(`secret ${secret.name} saved; flows read it as \${secret:${secret.name}} when they load`);
    });
  });

  const list = new Command('list').description('the names of the flow secrets (never their values)').option('--json', 'print JSON');
  addConfigOption(list);
  addSettingOptions(list, ['db']);
  list.action(async (flags: ConfigFlags & { json?: boolean }) => {
    const config = loadCliConfig(context, flags);
    await withOutbound(config, async ({ store }) => {
      const names = await store.secrets.listNames(FLOW_SECRETS);
      const out = createOutput(context);
      if (flags.json) return out.json(names);
      if (names.length === 0) return out.note('no flow secrets');
      for (const name of names) out.line(name);
    });
  });

  const remove = new Command('remove').description('delete a flow secret').argument('<name>');
  addConfigOption(remove);
  addSettingOptions(remove, ['db']);
  remove.action(async (name: string, flags: ConfigFlags) => {
    const config = loadCliConfig(context, flags);
    await withOutbound(config, async ({ store }) => {
      if (!(await store.secrets.delete(FLOW_SECRETS, name))) throw new CliError(`no flow secret '${name}'`);
      createOutput(context).note(`secret ${name} removed`);
    });
  });

  return command.addCommand(set).addCommand(list).addCommand(remove);
}
