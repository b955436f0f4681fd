import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runWeft, tempDir } from '../testing.ts';

const REFUND_FLOW = `id: refund
trigger:
  manual: {}
steps:
  - id: request
    map: '{ "payment_intent": trigger.body.paymentIntent, "reason": "requested_by_customer" }'
  - id: refund
    call:
      connection: stripe
      action: create-refund
      input: steps.request
`;

const ORDERS_FLOW = `id: orders
trigger:
  webhook:
    path: orders
    signature: { scheme: hmac-sha256, secret: '\${env:ORDERS_SECRET}', header: X-Signature }
steps:
  - id: salesOrder
    map: '{ "externalId": $string(trigger.body.id), "lines": [trigger.body.items.{ "sku": sku, "quantity": qty }] }'
  - id: post
    call:
      url: https://erp.example.com/api/sales-orders
      body: steps.salesOrder
`;

/** What the ERP answered once, in the form `weft record` writes. */
const ERP_RECORDING = {
  weftRecording: 1,
  flow: 'orders',
  run: 'run_hand_written',
  status: 'succeeded',
  trigger: { source: 'webhook', headers: {}, query: {}, body: { id: 1001, items: [{ sku: 'MUG-1', qty: 2 }] } },
  connections: {},
  calls: [
    {
      step: 'post',
      attempt: 1,
      method: 'POST',
      url: 'https://erp.example.com/api/sales-orders',
      request: { headers: {}, body: null },
      response: { status: 201, headers: { 'content-type': 'application/json' }, body: '{"id":"SO-1"}' },
    },
  ],
};

const PASSING = `flow: refund
connections:
  stripe: { sandbox: stripe }
cases:
  - name: refunds a succeeded payment exactly once
    input:
      manual: { body: { paymentIntent: pi_SbxSeed00000001 } }
    expect:
      status: succeeded
      callCounts: { refund: 1 }
      calls:
        - step: refund
          action: create-refund
          method: POST
          url: /v1/refunds
          request: { payment_intent: pi_SbxSeed00000001, reason: requested_by_customer }
          status: 200
          response: { object: refund, status: succeeded }
  - name: a payment without a successful charge becomes an exception
    input:
      manual: { body: { paymentIntent: pi_SbxSeed00000004 } }
    expect:
      status: exception
      exception: { reason: validation, message: 'does not have a successful charge' }
`;

const WEBHOOK = `flow: orders
env:
  ORDERS_SECRET: test-secret
hosts:
  https://erp.example.com: { replay: recordings/erp.json }
cases:
  - name: a signed order becomes a sales order
    input:
      webhook: { file: fixtures/order.json }
    expect:
      status: succeeded
      outputs:
        salesOrder: { externalId: "1001", lines: [{ sku: MUG-1, quantity: 2 }] }
      calls:
        - { step: post, method: POST, url: https://erp.example.com/api/sales-orders, request: { externalId: "1001" }, status: 201 }
`;

const FAILING = `flow: refund
connections:
  stripe: { sandbox: stripe }
cases:
  - name: expects the wrong payment
    input:
      manual: { body: { paymentIntent: pi_SbxSeed00000001 } }
    expect:
      status: succeeded
      calls:
        - step: refund
          request: { payment_intent: pi_SbxSeed00000002 }
`;

function project(files: Record<string, string>): string {
  const dir = tempDir();
  const all: Record<string, string> = {
    'weft.config.yaml': 'flows:\n  - ./flows\n',
    'flows/refund.yaml': REFUND_FLOW,
    'flows/orders.yaml': ORDERS_FLOW,
    ...files,
  };
  for (const [path, text] of Object.entries(all)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe('weft test', () => {
  it('passes against the Stripe sandbox and a replayed ERP, signing the webhook with the flow’s secret', { timeout: 60_000 }, async () => {
    const dir = project({
      'tests/refund.test.yaml': PASSING,
      'tests/orders.test.yaml': WEBHOOK,
      'tests/recordings/erp.json': JSON.stringify(ERP_RECORDING),
      'tests/fixtures/order.json': '{"id": 1001, "items": [{"sku": "MUG-1", "qty": 2}]}',
    });
    const result = await runWeft(['test'], { cwd: dir, env: { NO_COLOR: '1' } });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /^tests\/orders\.test\.yaml\n {2}✓ a signed order becomes a sales order \(\d+(ms|\.\ds)\)\n/);
    assert.match(result.stdout, /✓ refunds a succeeded payment exactly once \(/);
    assert.match(result.stdout, /✓ a payment without a successful charge becomes an exception \(/);
    assert.match(result.stdout, /\n3 passed, 0 failed\n$/);
  });

  it('fails, as JSON, a case whose flow cannot load without a value the test must give', { timeout: 60_000 }, async () => {
    // The runner signs with the secret the flow resolves; with ORDERS_SECRET unset the flow does not load.
    const dir = project({
      'tests/orders.test.yaml': WEBHOOK.replace('env:\n  ORDERS_SECRET: test-secret\n', ''),
      'tests/recordings/erp.json': JSON.stringify(ERP_RECORDING),
      'tests/fixtures/order.json': '{"id": 1001, "items": []}',
    });
    const result = await runWeft(['test', '--json'], { cwd: dir });
    assert.equal(result.code, 1);
    const report = JSON.parse(result.stdout) as { passed: number; failed: number; results: Array<{ failures: string[] }> };
    assert.deepEqual([report.passed, report.failed], [0, 1]);
    assert.match(report.results[0]!.failures[0]!, /no valid flow 'orders'.*\n.*ORDERS_SECRET/);
  });

  it('prints ✗ with the call and a diff of the request, and exits 1', { timeout: 60_000 }, async () => {
    const dir = project({ 'tests/refund.test.yaml': FAILING });
    const result = await runWeft(['test', 'tests/refund.test.yaml'], { cwd: dir, env: { NO_COLOR: '1' } });
    assert.equal(result.code, 1);
    assert.match(result.stdout, /✗ expects the wrong payment \(/);
    assert.match(result.stdout, /call 1 \(step refund, POST http:\/\/127\.0\.0\.1:\d+\/v1\/refunds → 200\):\n\s+the request body differs:\n\s+at payment_intent: expected "pi_SbxSeed00000002", got "pi_SbxSeed00000001"\n/);
    assert.match(result.stdout, /\n0 passed, 1 failed\n$/);
  });

  it('reports a malformed test file at file:line:col and runs nothing of it', { timeout: 30_000 }, async () => {
    const dir = project({ 'tests/bad.test.yaml': 'flow: refund\ncases:\n  - name: typo\n    input: { manual: { body: {} } }\n    expect:\n      status: succeeded\n      callCount: { refund: 1 }\n' });
    const result = await runWeft(['test'], { cwd: dir, env: { NO_COLOR: '1' } });
    assert.equal(result.code, 1);
    assert.match(result.stdout, /✗ \(the test file\)/);
    assert.match(result.stdout, /tests\/bad\.test\.yaml:7:7 unknown key 'callCount' in cases\[0\]\.expect \[ERR_TEST_UNKNOWN_KEY\]\n\s+hint: did you mean callCounts\?/);
  });

  it('says when there is nothing to run', async () => {
    const result = await runWeft(['test'], { cwd: project({}) });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^weft: cannot read .*tests: ENOENT\n$/);
  });
});
