import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { flowJsonSchema } from '../../flows/flow-json-schema.ts';
import { CliError, type CliContext } from '../context.ts';
import { createOutput } from '../output.ts';

const CONFIG = `# Weft settings. Every one is optional: WEFT_* environment variables and command-line
# flags override this file. Reference: docs/reference/config.md in the Weft repository.
port: 8787
db: ./.weft/weft.db
flows:
  - ./flows
`;

const FLOW = `# yaml-language-server: $schema=../flow.schema.json
# Orders from the shop become sales orders in the ERP, exactly once.
id: orders
description: Shop order → ERP sales order.
trigger:
  webhook:
    # Served at POST /hooks/orders.
    path: orders
    # The shop may deliver an order twice; its id makes the repeat a no-op.
    dedupeKey: $string(trigger.body.id)
    # Check the sender's signature. The secret comes from the environment, never this file:
    # signature:
    #   scheme: hmac-sha256
    #   secret: \${env:ORDERS_WEBHOOK_SECRET}
    #   header: X-Signature
# Updates to one order are applied one at a time, in the order they arrived.
orderingKey: $string(trigger.body.id)
steps:
  - id: salesOrder
    map: |
      {
        "externalId": $string(trigger.body.id),
        "customerEmail": trigger.body.email,
        "lines": [trigger.body.line_items.{ "sku": sku, "quantity": quantity }]
      }
  - id: createSalesOrder
    call:
      method: POST
      # The ERP's base URL differs per environment, so it comes from one: ERP_URL.
      url: \${env:ERP_URL}/api/sales-orders
      body: steps.salesOrder
      timeout: 10s
      destination: The ERP
      describe: '"order " & $string(trigger.body.id)'
    retry:
      maxAttempts: 5
      initialDelay: 1s
`;

const README = `# Flows

Each \`*.flow.yaml\` file here is one flow: a trigger and its steps. \`orders.flow.yaml\` takes
order webhooks at \`POST /hooks/orders\`, maps each order to a sales order and sends it to the
ERP at \`ERP_URL\` (an environment variable, so each environment names its own ERP).

\`npm run weft --\` is this project's \`weft\`: the Weft that created it (its path is the
\`weft\` script in ../package.json; edit it there if that Weft moves).

\`\`\`sh
npm run weft -- validate      # check every flow; errors point at file:line:col
export ERP_URL=https://erp.example.com   # your ERP's base URL
npm run weft -- dev           # serve on http://127.0.0.1:8787 and reload flows when they change
curl -X POST http://127.0.0.1:8787/hooks/orders -H 'content-type: application/json' \\
  -d '{"id": 1001, "email": "ada@example.com", "line_items": [{"sku": "MUG-1", "quantity": 2}]}'
npm run weft -- runs          # what ran
npm run weft -- exceptions    # what needs a human, and why
npm test                      # the flows validate, and the flow tests in ../tests pass, offline (run it in CI)
\`\`\`

Editors that read \`# yaml-language-server: $schema=\` comments (VS Code with the YAML
extension, for one) complete and check flows against \`../flow.schema.json\`. Regenerate it
after upgrading Weft: \`npm run -s weft -- schema > flow.schema.json\`.
`;

const TEST = `// Every flow in ./flows must validate: this runs \`weft validate\` as CI would, with the
// project's own Weft (the \`weft\` script in package.json).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const projectDir = fileURLToPath(new URL('..', import.meta.url));

test('the flows validate', () => {
  const result = spawnSync('npm', ['run', '--silent', 'weft', '--', 'validate'], { cwd: projectDir, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
});
`;

const FLOW_TEST = `# A flow test: \`npx weft test\` runs each case offline, in an engine of its own, and
# checks how the run ends, what it sent and what its steps produced.
flow: orders
env:
  ERP_URL: https://erp.example.com
hosts:
  # Nothing reaches the real ERP: its answers come from recordings. \`weft record --run <id>\`
  # makes one from a real run, with every credential taken out.
  https://erp.example.com: { replay: recordings/erp-accepts.json }
cases:
  - name: an order becomes one sales order
    input:
      webhook:
        body: { id: 1001, email: ada@example.com, line_items: [{ sku: MUG-1, quantity: 2 }] }
    expect:
      status: succeeded
      outputs:
        salesOrder: { externalId: "1001", customerEmail: ada@example.com, lines: [{ sku: MUG-1, quantity: 2 }] }
      callCounts: { createSalesOrder: 1 }
      calls:
        - step: createSalesOrder
          method: POST
          url: https://erp.example.com/api/sales-orders
          request: { externalId: "1001", lines: [{ sku: MUG-1, quantity: 2 }] }
          status: 201
`;

/** What the ERP answered, in the form \`weft record\` writes. */
function erpRecording(): string {
  const order = { id: 1001, email: 'ada@example.com', line_items: [{ sku: 'MUG-1', quantity: 2 }] };
  const recording = {
    weftRecording: 1,
    flow: 'orders',
    run: 'run_example',
    status: 'succeeded',
    trigger: { source: 'webhook', headers: { 'content-type': 'application/json' }, query: {}, body: order },
    connections: {},
    calls: [
      {
        step: 'createSalesOrder',
        attempt: 1,
        method: 'POST',
        url: 'https://erp.example.com/api/sales-orders',
        request: { headers: { 'content-type': 'application/json' }, body: '{"externalId":"1001","customerEmail":"ada@example.com","lines":[{"sku":"MUG-1","quantity":2}]}' },
        response: { status: 201, headers: { 'content-type': 'application/json' }, body: '{"id":"SO-1001"}' },
      },
    ],
  };
  return JSON.stringify(recording, null, 2) + '\n';
}

/** This Weft's command: until Weft is published, a project runs the checkout that created it. */
const WEFT_BIN = fileURLToPath(new URL('../../../bin/weft.js', import.meta.url));

/**
 * Scripts that name this Weft by its path. Without them, \`npx weft\` outside this repository
 * fetches and runs an unrelated registry package called "weft".
 */
function packageJson(projectDir: string): string {
  const name = basename(projectDir).toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[._-]+/, '') || 'weft-flows';
  const scripts = { weft: `node ${JSON.stringify(WEFT_BIN)}`, test: 'node --test test/ && npm run weft -- test' };
  return JSON.stringify({ name, private: true, scripts }, null, 2) + '\n';
}

/** The scaffold for a project in \`projectDir\`, by path relative to it. */
export function scaffoldFiles(projectDir: string): Record<string, string> {
  return {
    'package.json': packageJson(projectDir),
    'weft.config.yaml': CONFIG,
    'flows/orders.flow.yaml': FLOW,
    'flows/README.md': README,
    'flow.schema.json': JSON.stringify(flowJsonSchema(), null, 2) + '\n',
    'test/flows.test.mjs': TEST,
    'tests/orders.test.yaml': FLOW_TEST,
    'tests/recordings/erp-accepts.json': erpRecording(),
  };
}

export function initCommand(context: CliContext): Command {
  return new Command('init')
    .description('create a project: weft.config.yaml, a first flow, its JSON Schema, a flow test and a CI test')
    .argument('[dir]', 'project folder (created if missing)', '.')
    .action((dir: string) => {
      const projectDir = resolve(context.cwd, dir);
      // A folder that already is an npm project keeps its package.json: the scripts are added by hand.
      const keepsPackageJson = existsSync(join(projectDir, 'package.json'));
      const files = Object.entries(scaffoldFiles(projectDir)).filter(([path]) => !(keepsPackageJson && path === 'package.json'));
      // Check everything before writing anything, so a refusal leaves the folder as it was.
      const existing = files.map(([path]) => path).filter((path) => existsSync(join(projectDir, path)));
      if (existing.length > 0) {
        throw new CliError(`not overwriting ${existing.join(', ')} in ${projectDir}; nothing was written`);
      }
      for (const [path, text] of files) {
        mkdirSync(dirname(join(projectDir, path)), { recursive: true });
        writeFileSync(join(projectDir, path), text, { flag: 'wx' });
      }
      const out = createOutput(context);
      const shown = relative(context.cwd, projectDir) || '.';
      for (const [path] of files) out.line(`created ${join(shown, path)}`);
      out.line();
      if (keepsPackageJson) {
        const { scripts } = JSON.parse(packageJson(projectDir)) as { scripts: Record<string, string> };
        out.line(`kept ${join(shown, 'package.json')}: add to its "scripts": ${JSON.stringify(scripts).slice(1, -1)}`);
      }
      out.line(`next: cd ${shown} && npm run weft -- validate && npm test && npm run weft -- dev`);
    });
}
