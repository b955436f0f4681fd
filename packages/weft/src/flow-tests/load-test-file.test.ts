import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findTestFiles, formatTestDiagnostic, loadTestFile } from './load-test-file.ts';

const RECORDING = {
  weftRecording: 1,
  flow: 'orders',
  run: 'run_1',
  status: 'succeeded',
  trigger: { source: 'webhook', headers: { 'x-shop': 'a' }, query: {}, body: { id: 7 } },
  connections: { erp: { connector: 'netsuite', config: {} } },
  calls: [],
};

function write(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'weft-test-file-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

async function diagnosticsOf(text: string, files: Record<string, string> = {}): Promise<string[]> {
  const dir = write({ 't.test.yaml': text, ...files });
  const { test, diagnostics } = await loadTestFile(join(dir, 't.test.yaml'));
  assert.equal(test, undefined, 'a file with problems gives no test');
  return diagnostics.map((diagnostic) => formatTestDiagnostic({ ...diagnostic, file: 't.test.yaml' }));
}

describe('loadTestFile', () => {
  it('reads fixtures and recordings relative to the test file', async () => {
    const dir = write({
      'tests/t.test.yaml': `flow: orders
flows: [../flows]
env:
  SHOP_SECRET: s
  ERP_URL: { sandbox: stripe }
connections:
  erp: { replay: rec.json }
hosts:
  https://erp.example.com: { replay: rec.json }
cases:
  - name: from a file
    input: { webhook: { file: fixtures/order.json, headers: { x-topic: orders/create } } }
    expect: { status: succeeded, callCounts: { post: 1 } }
  - name: from the recording
    timeout: 500
    input: { recording: rec.json }
    expect: { status: exception, exception: { reason: validation, message: '^The ERP' } }
`,
      'tests/fixtures/order.json': '{ "id": 1001 }',
      'tests/rec.json': JSON.stringify(RECORDING),
    });
    const { test, diagnostics } = await loadTestFile(join(dir, 'tests/t.test.yaml'));
    assert.deepEqual(diagnostics, []);
    assert.equal(test?.flowId, 'orders');
    assert.deepEqual(test?.flows, [join(dir, 'flows')]);
    assert.deepEqual(test?.env.ERP_URL, { kind: 'sandbox', vendor: 'stripe' });
    assert.equal(test?.env.SHOP_SECRET, 's');
    assert.equal(test?.connections.erp?.kind, 'replay');
    assert.equal(test?.hosts['https://erp.example.com']?.kind, 'replay');
    const [fromFile, fromRecording] = test!.cases;
    assert.equal(fromFile?.input.rawBody.toString(), '{ "id": 1001 }', 'a JSON fixture goes out byte for byte');
    assert.deepEqual(fromFile?.input.body, { id: 1001 });
    assert.deepEqual(fromFile?.input.headers, { 'x-topic': 'orders/create' });
    assert.equal(fromFile?.timeoutMs, 15_000);
    assert.deepEqual(fromRecording?.input, { source: 'webhook', body: { id: 7 }, rawBody: Buffer.from('{"id":7}'), headers: { 'x-shop': 'a' }, query: {} });
    assert.equal(fromRecording?.timeoutMs, 500);
  });

  it('points at an unknown key and suggests the one meant', async () => {
    assert.deepEqual(await diagnosticsOf('flow: orders\ncases:\n  - name: a\n    input: { manual: { body: 1 } }\n    expect: { status: succeeded, ouputs: {} }\n'), [
      "t.test.yaml:5:34 unknown key 'ouputs' in cases[0].expect [ERR_TEST_UNKNOWN_KEY]\n  hint: did you mean outputs?",
    ]);
  });

  it('names the allowed values of a closed choice', async () => {
    assert.deepEqual(await diagnosticsOf('flow: orders\ncases:\n  - name: a\n    input: { manual: { body: 1 } }\n    expect: { status: done }\n'), [
      't.test.yaml:5:23 cases[0].expect.status must be one of "succeeded", "exception" [ERR_TEST_INVALID_VALUE]\n  hint: How the run ends.',
    ]);
  });

  it('requires exactly one input kind and one of body or file', async () => {
    assert.deepEqual(await diagnosticsOf('flow: orders\ncases:\n  - name: a\n    input: {}\n    expect: { status: succeeded }\n  - name: b\n    input: { manual: { body: 1 }, poll: { body: 2 } }\n    expect: { status: succeeded }\n  - name: c\n    input:\n      manual: {}\n    expect: { status: succeeded }\n'), [
      't.test.yaml:4:5 cases[0].input needs one of webhook, manual, poll, recording [ERR_TEST_MISSING_KEY]',
      't.test.yaml:7:35 cases[1].input has more than one of manual, poll [ERR_TEST_INVALID_VALUE]',
      't.test.yaml:11:7 cases[2].input.manual needs exactly one of body or file [ERR_TEST_INVALID_VALUE]',
    ]);
  });

  it('checks sandboxes, recordings, fixtures and regular expressions before anything runs', async () => {
    const text = `flow: orders
connections:
  pay: { sandbox: strpie }
  erp: { replay: missing.json }
  old: { replay: broken.json }
cases:
  - name: a
    input: { webhook: { file: nowhere.json } }
    expect: { status: exception, exception: { message: '([' } }
  - name: a
    input: { manual: { body: 1 } }
    expect: { status: succeeded, exception: { reason: bug } }
`;
    const diagnostics = await diagnosticsOf(text, { 'broken.json': '{"weftRecording": 1}' });
    assert.equal(diagnostics.length, 7, diagnostics.join('\n'));
    assert.match(diagnostics[0]!, /^t\.test\.yaml:3:19 there is no built-in sandbox 'strpie' \[ERR_TEST_INVALID_VALUE\]\n {2}hint: did you mean stripe\?$/);
    assert.match(diagnostics[1]!, /^t\.test\.yaml:4:18 recording missing\.json does not exist \(looked for .*missing\.json\) \[ERR_TEST_FIXTURE\]$/);
    assert.match(diagnostics[2]!, /^t\.test\.yaml:5:18 broken\.json is not a weft recording: \/flow /);
    assert.match(diagnostics[3]!, /^t\.test\.yaml:8:31 cannot read nowhere\.json: ENOENT \[ERR_TEST_FIXTURE\]$/);
    assert.match(diagnostics[4]!, /^t\.test\.yaml:9:56 not a regular expression: /);
    assert.match(diagnostics[5]!, /^t\.test\.yaml:10:11 two cases are named 'a'/);
    assert.match(diagnostics[6]!, /^t\.test\.yaml:12:34 expect\.exception needs status: exception/);
  });

  it('reports YAML syntax errors with their position', async () => {
    const [diagnostic] = await diagnosticsOf('flow: orders\ncases: [\n');
    assert.match(diagnostic!, /^t\.test\.yaml:\d+:\d+ .* \[ERR_TEST_YAML_SYNTAX\]$/);
  });
});

describe('findTestFiles', () => {
  it('finds *.test.yaml and *.test.yml under folders, sorted, and takes named files as given', async () => {
    const dir = write({ 'a/z.test.yaml': '', 'a/b/y.test.yml': '', 'a/flow.yaml': '', 'a/.hidden/x.test.yaml': '', 'other.yaml': '' });
    assert.deepEqual(await findTestFiles([join(dir, 'a'), join(dir, 'other.yaml'), join(dir, 'a/z.test.yaml')]), [
      join(dir, 'a/b/y.test.yml'),
      join(dir, 'a/z.test.yaml'),
      join(dir, 'other.yaml'),
    ]);
    await assert.rejects(findTestFiles([join(dir, 'none')]), /cannot read .*none: ENOENT/);
  });
});
