import { isAbsolute, relative, resolve } from 'node:path';
import { Command } from 'commander';
import { addConfigOption, loadCliConfig, type CliContext, type ConfigFlags } from '../context.ts';
import { createOutput } from '../output.ts';

export function validateCommand(context: CliContext): Command {
  const command = new Command('validate')
    .description('check flow files: schema, expressions, step references; errors as file:line:col')
    .argument('[paths...]', 'flow files or folders (default: the configured flows)');
  addConfigOption(command);
  return command.action(async (paths: string[], flags: ConfigFlags) => {
    const config = loadCliConfig(context, flags);
    const targets = paths.length > 0 ? paths.map((path) => resolve(context.cwd, path)) : config.flows;
    const [{ loadFlows, formatDiagnostic }, { createExpressionEngine }] = await Promise.all([
      import('../../flows/load-flow.ts'),
      import('../../transforms/expression.ts'),
    ]);
    const engine = createExpressionEngine({ budgetMs: config.mappingBudgetMs });
    try {
      // Production variables are usually absent where flows are checked (an editor, CI), so
      // only the form of ${env:…} references is checked here; `weft start` requires them set.
      const { flows, diagnostics } = await loadFlows(targets, { engine, env: context.env, resolveEnv: false });
      const out = createOutput(context);
      if (diagnostics.length > 0) {
        for (const diagnostic of diagnostics) out.note(formatDiagnostic({ ...diagnostic, file: shortPath(context.cwd, diagnostic.file) }));
        const files = new Set(diagnostics.map((diagnostic) => diagnostic.file));
        out.note(`${plural(diagnostics.length, 'problem')} in ${plural(files.size, 'file')}`);
        context.exitCode = 1;
        return;
      }
      out.line(`${plural(flows.length, 'flow')} valid`);
      // Valid, but `weft start` here would refuse what is not set here: said, without failing.
      const withEnv = await loadFlows(targets, { engine, env: context.env });
      for (const unset of withEnv.diagnostics.filter((diagnostic) => diagnostic.code === 'ERR_FLOW_UNSET_ENV')) {
        out.note(`${shortPath(context.cwd, unset.file)}:${unset.line}:${unset.column} note: ${unset.message} here; weft start and weft run need it set`);
      }
    } finally {
      await engine.close();
    }
  });
}

/** Paths inside the working directory are shown relative to it; editors and terminals link both. */
function shortPath(cwd: string, file: string): string {
  const path = relative(cwd, resolve(cwd, file));
  return path.startsWith('..') || isAbsolute(path) ? file : path;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
