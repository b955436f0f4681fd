import { resolve } from 'node:path';
import { Command } from 'commander';
import { CliError, type CliContext } from '../context.ts';
import { createOutput } from '../output.ts';

interface MigrateStoreFlags {
  from: string;
  to: string;
  json?: boolean;
}

/** `sqlite:///abs/weft.db`, `sqlite://relative/weft.db` or a plain path → a file path. */
function sqlitePath(cwd: string, from: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(from) && !from.startsWith('sqlite://')) throw new CliError(`--from must be a SQLite database (sqlite://path), got ${from.split('://')[0]}://…`);
  return resolve(cwd, from.replace(/^sqlite:\/\//, ''));
}

/** `weft migrate-store`: a single-machine install moves to PostgreSQL with nothing lost. */
export function migrateStoreCommand(context: CliContext): Command {
  return new Command('migrate-store')
    .description('copy a SQLite store into an empty PostgreSQL database, in one transaction')
    .requiredOption('--from <sqlite://path>', 'the SQLite database file (stop weft on it first)')
    .requiredOption('--to <postgres://url>', 'the PostgreSQL database; it must be empty')
    .option('--json', 'print JSON')
    .action(async (flags: MigrateStoreFlags) => {
      if (!/^postgres(ql)?:\/\//.test(flags.to)) throw new CliError('--to must be a postgres:// or postgresql:// URL');
      const from = sqlitePath(context.cwd, flags.from);
      const { migrateSqliteToPostgres, MigrateStoreError } = await import('../../store/migrate-store.ts');
      let report;
      try {
        report = await migrateSqliteToPostgres({ from, to: flags.to });
      } catch (error) {
        if (error instanceof MigrateStoreError) throw new CliError(error.message);
        throw new CliError(`migrate-store failed, nothing was committed: ${error instanceof Error ? error.message : String(error)}`);
      }
      const out = createOutput(context);
      if (flags.json) return out.json(report);
      out.table(report.tables, [
        { header: 'table', value: (row) => row.table },
        { header: 'rows', value: (row) => String(row.rows) },
      ]);
      out.note(`copied ${report.tables.reduce((sum, row) => sum + row.rows, 0)} rows from ${from}; counts verified`);
    });
}
