// Drift checks for the connector docs: docs/reference/sdk.md is generated and must equal its
// generator's output; docs/reference/errors.md is hand-written, so it is checked against the
// codes the source actually raises, both ways; the guide's flow samples must load as flows.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AUTH_SECRETS } from '@weft/sdk';
import { sdkReferencePage } from '../../../scripts/gen-docs.ts';
import { REASONS } from './core/exception.ts';
import { loadFlows } from './flows/load-flow.ts';
import { createExpressionEngine } from './transforms/expression.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string) => readFileSync(join(root, path), 'utf8');

describe('docs/reference/sdk.md', () => {
  it('is generated from the built-in connectors and the SDK (run `npm run gen` after changing them)', () => {
    assert.equal(read('docs/reference/sdk.md'), sdkReferencePage());
  });

  it('lists the vault secret names of every auth scheme', () => {
    assert.deepEqual(Object.keys(AUTH_SECRETS).sort(), ['api-key', 'basic', 'bearer', 'hmac-signing', 'oauth2-authorization-code', 'oauth2-client-credentials', 'token-login', 'token-passport']);
    assert.match(sdkReferencePage(), /`token`/);
    // A scheme the table lost would show as a dash in the page.
    assert.doesNotMatch(sdkReferencePage(), /\| — \| — \|/);
  });
});

// Codes that are not Weft's to document: Node's own argument-error code (matched to classify
// oauth4webapi's failures), and the CLI's internal marker, whose message is printed without it.
// Node's own codes that the source reads (the HTTP server's request timeout), not codes Weft raises.
const NOT_WEFT_CODES = new Set(['ERR_INVALID_ARG', 'ERR_CLI', 'ERR_HTTP_REQUEST_TIMEOUT']);
// The guide's example connector defines vendor codes of a made-up vendor.
const isDocExample = (file: string) => /packages\/sdk\/src\/reference\/guide-[\w.-]+\.ts$/.test(file);
const CODE_LITERAL = /['"`](ERR_[A-Z0-9]+(?:_[A-Z0-9]+)+)\b/g;

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name.startsWith('.') ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Every ERR_ code a string literal in the shipped source names, with the files naming it. */
function codesInSource(): Map<string, string[]> {
  const codes = new Map<string, string[]>();
  for (const pkg of readdirSync(join(root, 'packages'))) {
    let files: string[];
    try {
      files = sourceFiles(join(root, 'packages', pkg, 'src'));
    } catch {
      continue;
    }
    for (const file of files.map((path) => relative(root, path)).filter((path) => !isDocExample(path))) {
      for (const [, code] of read(file).matchAll(CODE_LITERAL)) {
        if (NOT_WEFT_CODES.has(code!)) continue;
        codes.set(code!, [...(codes.get(code!) ?? []), file]);
      }
    }
  }
  return codes;
}

describe('docs/reference/errors.md', () => {
  const page = read('docs/reference/errors.md');
  const documented = new Set([...page.matchAll(/`(ERR_[A-Z0-9_]+)`/g)].map(([, code]) => code!));
  const inSource = codesInSource();

  it('finds the codes in the source (the scan itself works)', () => {
    for (const code of ['ERR_FLOW_YAML_SYNTAX', 'ERR_CONNECTOR_RATE_LIMITED', 'ERR_SOAP_UNSAFE_XML', 'ERR_VAULT_DECRYPT', 'ERR_EGRESS_DENIED']) {
      assert.ok(inSource.has(code), `${code} not found by the scan`);
    }
  });

  it('documents every code the source raises', () => {
    const missing = [...inSource].filter(([code]) => !documented.has(code)).map(([code, files]) => `${code} (${[...new Set(files)].join(', ')})`);
    assert.deepEqual(missing, [], 'add these codes to docs/reference/errors.md, with what to do');
  });

  it('documents no code the source no longer has', () => {
    assert.deepEqual([...documented].filter((code) => !inSource.has(code)), []);
  });

  it('explains every exception reason', () => {
    for (const reason of REASONS) assert.match(page, new RegExp(`^\\| \`${reason}\` \\|`, 'm'), `reason ${reason}`);
  });
});

describe('docs/guides/writing-a-connector.md', () => {
  const engine = createExpressionEngine();
  const dir = mkdtempSync(join(tmpdir(), 'weft-guide-'));
  after(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('has flow samples that load without diagnostics', async () => {
    const flows = [...read('docs/guides/writing-a-connector.md').matchAll(/```yaml\n([\s\S]*?)```/g)].map(([, text]) => text!).filter((text) => /^id: /m.test(text));
    assert.ok(flows.length > 0, 'the guide has no flow sample');
    const files = flows.map((text, index) => {
      const file = join(dir, `sample-${index}.flow.yaml`);
      writeFileSync(file, text);
      return file;
    });
    const { diagnostics } = await loadFlows(files, { engine, env: {} });
    assert.deepEqual(diagnostics, []);
  });
});
