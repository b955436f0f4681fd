import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { createExpressionEngine } from '../transforms/expression.ts';
import { flowJsonSchema } from './flow-json-schema.ts';
import { formatDiagnostic, loadFlows, type FlowDiagnostic } from './load-flow.ts';

const FIXTURES = fileURLToPath(new URL('./__fixtures__/', import.meta.url));
const fixture = (name: string) => join(FIXTURES, name);
const ENV = { SHOP_SECRET: 'shop-secret', ERP_HOST: 'erp.test', ERP_URL: 'https://erp.test', ERP_TOKEN: 'erp-token' };

describe('loadFlows', () => {
  const engine = createExpressionEngine();
  after(() => engine.close());

  /** Each diagnostic as "file:line:col CODE", the way an editor would jump to it. */
  async function problemsOf(name: string, env: Record<string, string | undefined> = ENV): Promise<{ lines: string[]; diagnostics: FlowDiagnostic[] }> {
    const file = fixture(name);
    const { flows, diagnostics } = await loadFlows([file], { engine, env });
    assert.deepEqual(flows, [], 'a flow with diagnostics must not load');
    for (const diagnostic of diagnostics) assert.equal(diagnostic.file, file);
    return { lines: diagnostics.map((d) => `${d.line}:${d.column} ${d.code}`), diagnostics };
  }

  describe('valid flows', () => {
    it('loads a YAML flow with every step kind, ready to run', async () => {
      const { flows, diagnostics } = await loadFlows([fixture('valid/orders.flow.yaml')], { engine, env: ENV });
      assert.deepEqual(diagnostics, []);
      const [loaded] = flows;
      assert.ok(loaded);
      assert.equal(loaded.flow.id, 'shop-orders');
      assert.equal(loaded.file, fixture('valid/orders.flow.yaml'));
      assert.equal(loaded.webhookSecret, 'shop-secret');

      const order = loaded.flow.steps[0];
      assert.ok(order && 'map' in order && typeof order.map === 'string');
      assert.equal(loaded.expression(order.map), loaded.expression(order.map));
      assert.equal(loaded.expression(order.map), engine.compile(order.map));
      const trigger = { body: { id: 7, line_items: [{ sku: ' A 1 ', quantity: 2 }, { sku: 'B2', quantity: 1 }] } };
      assert.deepEqual(await loaded.expression(order.map).evaluate({ trigger, steps: {} }), {
        id: 7,
        lines: [
          { sku: 'A1', qty: 2 },
          { sku: 'B2', qty: 1 },
        ],
      });

      const url = await loaded.template('${env:ERP_URL}/stock/{{ steps.line.sku }}').render({ steps: { line: { sku: 'A1' } } });
      assert.equal(url, 'https://erp.test/stock/A1');
      assert.equal(await loaded.template('Bearer ${env:ERP_TOKEN}').render({}), 'Bearer erp-token');

      const enrich = loaded.codeModule('enrich');
      assert.deepEqual([enrich.url, enrich.exportName], [pathToFileURL(fixture('valid/enrich.ts')).href, 'enrich']);
      assert.throws(() => loaded.codeModule('order'), /not a code step/);
    });

    it('loads a TypeScript flow made with defineFlow', async () => {
      const { flows, diagnostics } = await loadFlows([fixture('valid/nightly.flow.ts')], { engine, env: {} });
      assert.deepEqual(diagnostics, []);
      assert.equal(flows[0]?.flow.id, 'nightly-sync');
      assert.equal(flows[0]?.webhookSecret, undefined);
      const run = flows[0]?.codeModule('run');
      assert.deepEqual([run?.url, run?.exportName], [pathToFileURL(fixture('valid/run-sync.ts')).href, 'default']);
    });

    it('numbers each load, so the code runner can tell a reload’s modules from an older load’s', async () => {
      const first = await loadFlows([fixture('valid/nightly.flow.ts')], { engine, env: {} });
      const second = await loadFlows([fixture('valid/nightly.flow.ts')], { engine, env: {} });
      assert.ok(second.flows[0]!.codeModule('run').load > first.flows[0]!.codeModule('run').load);
    });

    it('reads a flow module and a code module as they are at each load (a `weft dev` reload after an edit)', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'weft-reload-'));
      try {
        const flowModule = (id: string, exportName: string) =>
          `export default { id: '${id}', trigger: { manual: {} }, steps: [{ id: 'run', code: { module: './steps.ts', export: '${exportName}' } }] };\n`;
        await writeFile(join(dir, 'sync.flow.ts'), flowModule('sync', 'first'));
        await writeFile(join(dir, 'steps.ts'), 'export function first() { return 1; }\n');
        const before = await loadFlows([dir], { engine, env: {} });
        assert.deepEqual([before.diagnostics, before.flows.map((f) => f.flow.id)], [[], ['sync']]);

        await writeFile(join(dir, 'sync.flow.ts'), flowModule('sync-renamed', 'second'));
        await writeFile(join(dir, 'steps.ts'), 'export function second() { return 2; }\n');
        const after = await loadFlows([dir], { engine, env: {} });
        assert.deepEqual(after.diagnostics, [], 'the new export is found, not the first import’s');
        assert.deepEqual(after.flows.map((f) => [f.flow.id, f.codeModule('run').exportName]), [['sync-renamed', 'second']]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it("reports a code module that ends its thread at top level, and never imports it on the loader's thread", async () => {
      const dir = await mkdtemp(join(tmpdir(), 'weft-exits-'));
      try {
        await writeFile(join(dir, 'f.flow.yaml'), 'id: f\ntrigger: { manual: {} }\nsteps:\n  - id: run\n    code: { module: ./exits.ts }\n');
        await writeFile(join(dir, 'exits.ts'), '(globalThis as Record<string, unknown>).weftExitsImported = true;\nprocess.exit(2);\n');
        const { flows, diagnostics } = await loadFlows([dir], { engine, env: {} });
        assert.deepEqual(flows, []);
        assert.deepEqual(
          diagnostics.map((d) => [d.code, d.message]),
          [['ERR_FLOW_CODE_MODULE', "cannot import code module './exits.ts' of step 'run': its import ended the thread importing it: it exited with code 2"]],
        );
        assert.equal((globalThis as Record<string, unknown>).weftExitsImported, undefined);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('gives expressions the flow’s mappingBudget', async () => {
      const { flows } = await loadFlows([fixture('valid/nightly.flow.ts')], { engine, env: {} });
      const loop = flows[0]?.expression('($f := function($x){ $f($x) }; $f(1))');
      assert.equal(loop, flows[0]?.expression('($f := function($x){ $f($x) }; $f(1))'));
      const started = performance.now();
      await assert.rejects(loop?.evaluate({}) ?? Promise.resolve(), /within its budget of 50 ms/);
      assert.ok(performance.now() - started < 500);
    });

    it('searches directories recursively for flow files only', async () => {
      const { flows, diagnostics } = await loadFlows([fixture('valid')], { engine, env: ENV });
      assert.deepEqual(diagnostics, []);
      assert.deepEqual(flows.map((flow) => flow.flow.id).sort(), ['nightly-sync', 'shop-orders']);
    });

    it('with resolveEnv false checks the form of references but not whether they are set', async () => {
      const { flows, diagnostics } = await loadFlows([fixture('valid/orders.flow.yaml'), fixture('invalid/unset-env.flow.yaml')], {
        engine,
        env: {},
        resolveEnv: false,
      });
      assert.deepEqual(diagnostics, []);
      assert.equal(flows.length, 2);
      assert.equal(flows[0]?.webhookSecret, undefined);
      assert.equal(await flows[0]?.template('Bearer ${env:ERP_TOKEN}').render({}), 'Bearer ${env:ERP_TOKEN}');
      const secrets = await loadFlows([fixture('invalid/secrets.flow.yaml')], { engine, env: {}, resolveEnv: false });
      // Without resolution a secret reference is checked for its form only, like ${env:…}.
      assert.deepEqual(
        secrets.diagnostics.map((d) => d.code),
        ['ERR_FLOW_LITERAL_SECRET'],
      );
    });
  });

  describe('diagnostics', () => {
    it('formats as file:line:col message, then the hint', () => {
      const text = formatDiagnostic({ file: 'a.flow.yaml', line: 3, column: 7, code: 'ERR_FLOW_UNKNOWN_KEY', message: "unknown key 'mapp'", hint: 'did you mean map?' });
      assert.equal(text, "a.flow.yaml:3:7 unknown key 'mapp' [ERR_FLOW_UNKNOWN_KEY]\n  hint: did you mean map?");
    });

    it('reports YAML syntax errors', async () => {
      const { lines } = await problemsOf('invalid/yaml-syntax.flow.yaml');
      assert.deepEqual(lines, ['7:1 ERR_FLOW_YAML_SYNTAX']);
    });

    it('reports unknown keys at the key, with a did-you-mean hint', async () => {
      const { lines, diagnostics } = await problemsOf('invalid/unknown-key.flow.yaml');
      assert.deepEqual(lines, ['7:5 ERR_FLOW_UNKNOWN_KEY']);
      assert.equal(diagnostics[0]?.message, "unknown key 'descripton' in step 'a'");
      assert.equal(diagnostics[0]?.hint, 'did you mean description?');
    });

    it('reports a step without a kind at the misspelt kind suggesting the kind meant, at an unknown key listing the kinds, else at the step', async () => {
      const { lines, diagnostics } = await problemsOf('invalid/unknown-step-kind.flow.yaml');
      assert.deepEqual(lines, ['8:5 ERR_FLOW_UNKNOWN_STEP_KIND', '9:5 ERR_FLOW_UNKNOWN_STEP_KIND', '12:5 ERR_FLOW_UNKNOWN_STEP_KIND']);
      assert.equal(diagnostics[0]?.message, "step 'second' has no kind: expected one of map, call, when, each, code, delay, validate, lookup, reconcile, not 'mapp'");
      assert.equal(diagnostics[0]?.hint, 'did you mean map?');
      assert.equal(diagnostics[1]?.message, "step 'third' has no kind: expected one of map, call, when, each, code, delay, validate, lookup, reconcile");
      assert.equal(diagnostics[1]?.hint, undefined);
      assert.equal(diagnostics[2]?.message, "step 'fourth' has no kind: 'transform' is not a step kind");
      assert.equal(diagnostics[2]?.hint, 'the step kinds are map, call, when, each, code, delay, validate, lookup, reconcile');
    });

    it('reports a trigger without a kind', async () => {
      const { lines, diagnostics } = await problemsOf('invalid/unknown-trigger.flow.yaml');
      assert.deepEqual(lines, ['3:3 ERR_FLOW_UNKNOWN_TRIGGER_KIND']);
      assert.equal(diagnostics[0]?.hint, 'did you mean webhook?');
    });

    it('reports a trigger without a kind at its unknown key, listing the kinds', async () => {
      const { lines, diagnostics } = await problemsOf('invalid/unknown-trigger-key.flow.yaml');
      assert.deepEqual(lines, ['3:3 ERR_FLOW_UNKNOWN_TRIGGER_KIND']);
      assert.equal(diagnostics[0]?.message, "trigger has no kind: 'cron' is not a trigger kind");
      assert.equal(diagnostics[0]?.hint, 'the trigger kinds are webhook, schedule, manual, poll, exception');
    });

    it('reports invalid values and missing keys readably, one per problem', async () => {
      const { lines, diagnostics } = await problemsOf('invalid/invalid-values.flow.yaml');
      assert.deepEqual(lines, [
        '1:5 ERR_FLOW_INVALID_VALUE',
        '6:5 ERR_FLOW_MISSING_KEY',
        '7:15 ERR_FLOW_INVALID_VALUE',
        '8:16 ERR_FLOW_INVALID_VALUE',
        '10:12 ERR_FLOW_INVALID_VALUE',
      ]);
      assert.equal(diagnostics[2]?.message, `call.method of step 'post' must be one of "GET", "POST", "PUT", "PATCH", "DELETE"`);
      assert.match(diagnostics[3]?.message ?? '', /must be a duration such as 250ms/);
      assert.equal(diagnostics[4]?.hint, undefined, 'a duration may be a number: quoting -5 would not help');
    });

    it('reports a step timeout of 0 or longer than a timer can wait, which would time every call out at once', async () => {
      const { lines, diagnostics } = await problemsOf('invalid/timeouts.flow.yaml');
      assert.deepEqual(lines, ['5:54 ERR_FLOW_INVALID_VALUE', '7:66 ERR_FLOW_INVALID_VALUE']);
      assert.match(diagnostics[1]?.message ?? '', /must be more than 0 and at most 24d, not "25d"$/);
    });

    it('hints to quote a number or boolean where only a string will do', async () => {
      const { diagnostics } = await problemsOf('invalid/partly-misshapen.flow.yaml');
      const hintAt = (line: number) => diagnostics.find((d) => d.line === line)?.hint;
      assert.equal(hintAt(7), 'YAML reads 1 as a number: quote it to make it a string.');
      assert.equal(hintAt(3), 'Cron pattern, 5 or 6 fields. YAML reads 5 as a number: quote it to make it a string.');
    });

    it('reports invalid JSONata inside a block scalar at the offending token', async () => {
      const { lines, diagnostics } = await problemsOf('invalid/invalid-expression.flow.yaml');
      assert.deepEqual(lines, ['8:31 ERR_FLOW_INVALID_EXPRESSION']);
      assert.match(diagnostics[0]?.message ?? '', /^invalid JSONata in map of step 'order': /);
      assert.equal(diagnostics[0]?.hint, 'is a comma or an operator (such as & or +) missing before "bar"?');
    });

    it('hints at the likely cause of the common JSONata syntax errors', async () => {
      const { lines, diagnostics } = await problemsOf('invalid/expression-hints.flow.yaml');
      assert.deepEqual(lines, [
        '6:28 ERR_FLOW_INVALID_EXPRESSION',
        '8:28 ERR_FLOW_INVALID_EXPRESSION',
        '10:20 ERR_FLOW_INVALID_EXPRESSION',
        '12:21 ERR_FLOW_INVALID_EXPRESSION',
        '14:21 ERR_FLOW_INVALID_EXPRESSION',
        '16:15 ERR_FLOW_INVALID_EXPRESSION',
        '19:43 ERR_FLOW_INVALID_EXPRESSION',
      ]);
      assert.deepEqual(
        diagnostics.map((d) => d.hint),
        [
          'the expression ends before its closing ")": every (, [ and { needs its closing partner',
          'is a comma or an operator (such as & or +) missing before "trigger"?',
          '"]" cannot stand here: is a comma or an operator missing before it, or a bracket unbalanced?',
          'the expression ends where a value should follow, e.g. after an operator or :=',
          'nothing comes before "}": a trailing comma, or an operator written twice?',
          undefined, // jsonata's own message says what to do
          '"]" cannot stand here: is a comma or an operator missing before it, or a bracket unbalanced?',
        ],
      );
    });

    it('reports an offset inside a double-quoted string with escapes at the character meant', async () => {
      const { lines } = await problemsOf('invalid/escaped-expression.flow.yaml');
      assert.deepEqual(lines, ['6:46 ERR_FLOW_UNKNOWN_STEP']);
    });

    it('reports invalid JSONata inside a {{ }} placeholder of a quoted string', async () => {
      const { lines } = await problemsOf('invalid/invalid-placeholder.flow.yaml');
      assert.deepEqual(lines, ['7:51 ERR_FLOW_INVALID_EXPRESSION']);
    });

    it('reports reads of steps that are later, nested elsewhere, enclosing or missing', async () => {
      const { lines, diagnostics } = await problemsOf('invalid/unknown-step.flow.yaml');
      assert.deepEqual(lines, [
        '6:16 ERR_FLOW_UNKNOWN_STEP',
        '11:34 ERR_FLOW_UNKNOWN_STEP',
        '11:48 ERR_FLOW_UNKNOWN_STEP',
        '15:16 ERR_FLOW_UNKNOWN_STEP',
        '15:28 ERR_FLOW_UNKNOWN_STEP',
      ]);
      assert.equal(diagnostics[0]?.message, "map of step 'early' reads steps.late before that step has run");
      assert.match(diagnostics[1]?.message ?? '', /steps\.items inside that each step/);
      assert.match(diagnostics[3]?.message ?? '', /inside each step 'items' and is not visible outside it/);
      assert.equal(diagnostics[4]?.hint, 'did you mean steps.early?');
    });

    it("checks an each step's key like its other expressions, read inside the each", async () => {
      const { lines, diagnostics } = await problemsOf('invalid/each-key.flow.yaml');
      assert.deepEqual(lines, ['7:20 ERR_FLOW_INVALID_EXPRESSION', '13:16 ERR_FLOW_UNKNOWN_STEP', '13:35 ERR_FLOW_UNKNOWN_STEP']);
      assert.match(diagnostics[0]?.message ?? '', /^invalid JSONata in key of step 'lines': /);
      assert.match(diagnostics[1]?.message ?? '', /steps\.parcels inside that each step/);
      assert.equal(diagnostics[2]?.message, "key of step 'parcels' reads steps.label before that step has run");
    });

    it('reports every problem of a file at once: unknown keys do not hide expressions, reads and duplicate ids', async () => {
      const { lines, diagnostics } = await problemsOf('invalid/every-problem.flow.yaml');
      assert.deepEqual(lines, [
        '6:18 ERR_FLOW_INVALID_EXPRESSION',
        '7:5 ERR_FLOW_UNKNOWN_KEY',
        '9:17 ERR_FLOW_UNKNOWN_STEP',
        '10:9 ERR_FLOW_DUPLICATE_ID',
        '16:20 ERR_FLOW_UNKNOWN_STEP',
      ]);
      assert.match(diagnostics[4]?.message ?? '', /no step 'nada'/);
    });

    it('lints the sound parts of a partly misshapen flow, skipping the parts the schema rejected', async () => {
      const { lines, diagnostics } = await problemsOf('invalid/partly-misshapen.flow.yaml');
      assert.deepEqual(lines, [
        '3:21 ERR_FLOW_INVALID_VALUE', // the cron, not linted as well
        '4:14 ERR_FLOW_INVALID_VALUE', // orderingKey
        '7:10 ERR_FLOW_INVALID_VALUE',
        '8:5 ERR_FLOW_INVALID_VALUE', // a step that is not a mapping
        '9:5 ERR_FLOW_MISSING_KEY', // a step without an id has no place to read steps from
        '11:33 ERR_FLOW_UNKNOWN_STEP', // steps.first exists, misshapen as it is; steps.gone does not
        '14:5 ERR_FLOW_MULTIPLE_KINDS',
        '17:35 ERR_FLOW_UNKNOWN_STEP', // nested in a misshapen step
        '19:16 ERR_FLOW_INVALID_VALUE', // nested in a misshapen step
      ]);
      assert.match(diagnostics[5]?.message ?? '', /steps\.gone/);
      assert.match(diagnostics[7]?.message ?? '', /steps\.missing/);
    });

    it('reports the shape problems of a document that is no flow at all, without linting it', async () => {
      const { diagnostics } = await problemsOf('invalid/not-a-mapping.flow.yaml');
      assert.deepEqual(diagnostics.map((d) => d.code), ['ERR_FLOW_INVALID_VALUE']);
    });

    it('reports duplicate step ids, nested ones included', async () => {
      const { lines, diagnostics } = await problemsOf('invalid/duplicate-id.flow.yaml');
      assert.deepEqual(lines, ['10:13 ERR_FLOW_DUPLICATE_ID']);
      assert.match(diagnostics[0]?.hint ?? '', /first used by steps\[0\]/);
    });

    it('reports duplicate flow ids and webhook paths across files, keeping the first', async () => {
      const { flows, diagnostics } = await loadFlows([fixture('duplicates')], { engine, env: {} });
      assert.deepEqual(flows.map((flow) => flow.file), [fixture('duplicates/a.flow.yaml')]);
      assert.deepEqual(
        diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.code}`),
        [`${fixture('duplicates/b.flow.yaml')}:1:5 ERR_FLOW_DUPLICATE_FLOW`, `${fixture('duplicates/c.flow.yaml')}:4:11 ERR_FLOW_DUPLICATE_FLOW`],
      );
      assert.match(diagnostics[1]?.message ?? '', /webhook path 'orders' is already served by .*a\.flow\.yaml/);
    });

    it('reports an invalid cron pattern', async () => {
      const { lines } = await problemsOf('invalid/invalid-cron.flow.yaml');
      assert.deepEqual(lines, ['4:11 ERR_FLOW_INVALID_CRON']);
    });

    it('reports an unknown time zone', async () => {
      const { lines } = await problemsOf('invalid/invalid-timezone.flow.yaml');
      assert.deepEqual(lines, ['5:15 ERR_FLOW_INVALID_TIMEZONE']);
    });

    it('reports a code module that does not exist', async () => {
      const { lines } = await problemsOf('invalid/missing-code-module.flow.yaml');
      assert.deepEqual(lines, ['7:15 ERR_FLOW_CODE_MODULE']);
    });

    it('reports a code module without the export', async () => {
      const { lines, diagnostics } = await problemsOf('invalid/missing-export.flow.yaml');
      assert.deepEqual(lines, ['8:15 ERR_FLOW_CODE_EXPORT']);
      assert.equal(diagnostics[0]?.hint, 'it exports the functions enrich');
    });

    it('reports an unset environment variable by name only', async () => {
      const { lines, diagnostics } = await problemsOf('invalid/unset-env.flow.yaml');
      assert.deepEqual(lines, ['7:12 ERR_FLOW_UNSET_ENV', '9:31 ERR_FLOW_UNSET_ENV']);
      assert.match(diagnostics[1]?.message ?? '', /WEFT_TEST_UNSET_TOKEN is not set/);
    });

    it('reports literal secrets and secret references', async () => {
      const { lines, diagnostics } = await problemsOf('invalid/secrets.flow.yaml');
      assert.deepEqual(lines, ['7:15 ERR_FLOW_LITERAL_SECRET', '13:31 ERR_FLOW_SECRET_UNAVAILABLE']);
      assert.ok(!diagnostics.some((d) => d.message.includes('whsec_literal')));
      assert.match(diagnostics[1]?.message ?? '', /\$\{secret:ERP_TOKEN\} needs the credential vault: set WEFT_MASTER_KEY/);
    });

    it('reports a relative call URL', async () => {
      const { lines } = await problemsOf('invalid/not-a-url.flow.yaml');
      assert.deepEqual(lines, ['7:12 ERR_FLOW_INVALID_URL']);
    });

    it('reports a path that does not exist', async () => {
      const { flows, diagnostics } = await loadFlows([fixture('nowhere')], { engine, env: {} });
      assert.deepEqual(flows, []);
      assert.deepEqual(diagnostics.map((d) => d.code), ['ERR_FLOW_READ']);
    });
  });
});

describe('flowJsonSchema', () => {
  const ajv = new Ajv({ allErrors: true });
  const validate = ajv.compile(flowJsonSchema());

  it('is a standalone draft-07 document with the recursive step under definitions', () => {
    const schema = flowJsonSchema() as { $schema: string; definitions: { Step: { anyOf: unknown[] } } };
    assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
    assert.equal(schema.definitions.Step.anyOf.length, 10, 'nine kinds, call in two shapes');
    assert.ok(!JSON.stringify(schema).includes('"$ref":"Step"'));
  });

  it("describes each expression field by what it gives, not with the generic text of every expression (editors show it on hover)", () => {
    const schema = flowJsonSchema() as { properties: { orderingKey: { description: string }; trigger: unknown } };
    assert.equal(schema.properties.orderingKey.description, 'Runs that share this key run one at a time, in event order.');
    assert.match(JSON.stringify(schema.properties.trigger), /"dedupeKey":\{"minLength":1,"description":"JSONata over \{headers, body\}; repeats are acknowledged/);
  });

  it('accepts a valid flow and rejects a bad nested step', async () => {
    const { readFile } = await import('node:fs/promises');
    const flow = parse(await readFile(fixture('valid/orders.flow.yaml'), 'utf8')) as { steps: Array<{ steps?: unknown[] }> };
    assert.equal(validate(flow), true, JSON.stringify(validate.errors));
    flow.steps[2]?.steps?.push({ id: 'bad', mapp: 'x' });
    assert.equal(validate(flow), false);
  });
});
