import { relative, resolve } from 'node:path';
import { Command } from 'commander';
import { systemClock } from '../../core/clock.ts';
import { addConfigOption, addSettingOptions, CliError, loadCliConfig, type CliContext, type ConfigFlags } from '../context.ts';
import { createOutput, formatDuration, type Output } from '../output.ts';

interface TestFlags extends ConfigFlags {
  json?: boolean;
}

export function testCommand(context: CliContext): Command {
  const command = new Command('test')
    .description('run flow tests (*.test.yaml) offline, each case in an engine of its own; exit 1 if any fails')
    .argument('[paths...]', 'test files or folders to search (default: ./tests)')
    .option('--json', 'print the results as JSON');
  addConfigOption(command);
  addSettingOptions(command, ['flows']);
  return command.action(async (paths: string[], flags: TestFlags) => {
    const config = loadCliConfig(context, flags);
    const { DEFAULT_TEST_DIR, findTestFiles, formatTestDiagnostic, loadTestFile } = await import('../../flow-tests/load-test-file.ts');
    const { runFlowTestCase } = await import('../../flow-tests/run-flow-test.ts');
    const searched = paths.length > 0 ? paths : [DEFAULT_TEST_DIR];
    let files: string[];
    try {
      files = await findTestFiles(searched.map((path) => resolve(context.cwd, path)));
    } catch (error) {
      throw new CliError((error as Error).message);
    }
    if (files.length === 0) throw new CliError(`no flow tests (*.test.yaml) in ${searched.join(', ')}`);

    const out = createOutput(context);
    const report = createReport(out, flags.json === true);
    for (const file of files) {
      const shown = relative(context.cwd, file) || file;
      const { test, diagnostics } = await loadTestFile(file);
      report.file(shown);
      if (!test) {
        report.result({ file: shown, name: '(the test file)', passed: false, durationMs: 0, failures: diagnostics.map(formatTestDiagnostic) });
        continue;
      }
      for (const testCase of test.cases) {
        const result = await runFlowTestCase(test, testCase, { config, env: context.env, clock: systemClock });
        report.result({ ...result, file: shown });
      }
    }
    if (report.end() > 0) context.exitCode = 1;
  });
}

interface ShownResult {
  file: string;
  name: string;
  passed: boolean;
  durationMs: number;
  failures: string[];
}

/** Lines as cases finish (a slow suite shows progress); with --json, one document at the end. */
function createReport(out: Output, isJson: boolean) {
  const results: ShownResult[] = [];
  return {
    file(name: string) {
      if (!isJson) out.line(out.style('bold', name));
    },
    result(result: ShownResult) {
      results.push(result);
      if (isJson) return;
      const mark = result.passed ? out.style('green', '✓') : out.style('red', '✗');
      out.line(`  ${mark} ${result.name} ${out.style('dim', `(${formatDuration(result.durationMs)})`)}`);
      for (const failure of result.failures) out.line(failure.replace(/^/gm, '      '));
    },
    /** Prints the summary; returns how many failed. */
    end(): number {
      const failed = results.filter((result) => !result.passed).length;
      const passed = results.length - failed;
      if (isJson) out.json({ passed, failed, results });
      else out.line(`\n${out.style(failed > 0 ? 'red' : 'green', `${passed} passed, ${failed} failed`)}`);
      return failed;
    },
  };
}
