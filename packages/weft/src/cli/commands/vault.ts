import { Command } from 'commander';
import { generateMasterKey, loadMasterKeys } from '../../connectors/vault/master-key.ts';
import { createVault } from '../../connectors/vault/vault.ts';
import { addConfigOption, addSettingOptions, loadCliConfig, parsePositiveInteger, type CliContext, type ConfigFlags } from '../context.ts';
import { createOutput } from '../output.ts';
import { withOutbound } from './connections.ts';

export function vaultCommand(context: CliContext): Command {
  const command = new Command('vault').description('the master key that encrypts every secret');

  const generate = new Command('generate-key').description('print a new random master key (base64, 32 bytes) for WEFT_MASTER_KEY or a key file');
  generate.action(() => {
    createOutput(context).line(generateMasterKey());
  });

  const rotate = new Command('rotate')
    .description(
      're-wrap every secret under the current master key (WEFT_MASTER_KEY[_FILE]), opening old ones with WEFT_MASTER_KEY_PREVIOUS[_FILE]; safe while Weft runs',
    )
    .option('--batch-size <n>', 'rows per page', parsePositiveInteger, 100)
    .option('--json', 'print JSON');
  addConfigOption(rotate);
  addSettingOptions(rotate, ['db']);
  rotate.action(async (flags: ConfigFlags & { batchSize: number; json?: boolean }) => {
    const config = loadCliConfig(context, flags);
    const keys = loadMasterKeys({ env: context.env });
    await withOutbound(config, async ({ store }) => {
      const vault = createVault({ keys, storage: store.secrets });
      const result = await vault.rotate(keys.current, { batchSize: flags.batchSize });
      const out = createOutput(context);
      if (flags.json) return out.json({ keyId: keys.current.id, ...result });
      out.line(`re-wrapped ${result.rewrapped} secret${result.rewrapped === 1 ? '' : 's'} under key ${keys.current.id} (${result.skipped} changed meanwhile and were left to their writer)`);
      for (const row of result.unreadable) out.note(`cannot open ${row.connectionId || '(flow)'}/${row.name}: sealed by key ${row.kid}, which is not loaded`);
      if (result.unreadable.length > 0) context.exitCode = 1;
    });
  });

  return command.addCommand(generate).addCommand(rotate);
}
