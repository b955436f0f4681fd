import { existsSync } from 'node:fs';
import { Command } from 'commander';
import { addConfigOption, addSettingOptions, CliError, loadCliConfig, type CliContext, type ConfigFlags } from '../context.ts';
import { createOutput } from '../output.ts';

/**
 * `weft migrate`: brings the store's schema up to date and says what it applied. `weft start`
 * does the same at open (under an advisory lock on PostgreSQL); this lets a deploy migrate once,
 * before starting many processes.
 */
export function migrateCommand(context: CliContext): Command {
  const command = new Command('migrate').description('apply pending database migrations and print what was applied').option('--json', 'print JSON');
  addConfigOption(command);
  addSettingOptions(command, ['db']);
  command.action(async (flags: ConfigFlags & { json?: boolean }) => {
    const config = loadCliConfig(context, flags);
    const out = createOutput(context);
    if (config.database === '') {
      // A mistyped --db would make an empty database and report it up to date, the real one left as it was.
      if (config.db !== ':memory:' && !existsSync(config.db)) {
        throw new CliError(`no database at ${config.db} (weft start creates it; pass --db / set WEFT_DB to the one to migrate)`);
      }
      // SQLite applies its migrations when it opens, in one immediate transaction.
      const { openStore } = await import('../../main.ts');
      const store = await openStore(config);
      await store.close();
      if (flags.json) return out.json({ store: 'sqlite', path: config.db });
      return out.line(`SQLite at ${config.db} is up to date`);
    }
    const { migratePostgresUrl } = await import('../../store/postgres/postgres-migrations.ts');
    let applied: string[];
    try {
      applied = await migratePostgresUrl({ url: config.database });
    } catch (error) {
      throw new CliError(`migration failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (flags.json) return out.json({ store: 'postgres', applied });
    if (applied.length === 0) return out.line('PostgreSQL schema is up to date; nothing applied');
    for (const name of applied) out.line(`applied ${name}`);
  });
  return command;
}
