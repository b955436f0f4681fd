// Writes the reference pages that are generated from code, so they cannot drift from it.
// Tests compare each page with its generator; run `npm run gen` when one fails.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { builtInConnectors } from '@weft/connectors';
import { includeRegions } from '../packages/sdk/src/reference/markdown-regions.ts';
import { sdkReferenceMarkdown } from '../packages/sdk/src/reference/sdk-reference.ts';
import { AUTH_SECRETS } from '@weft/sdk';
import { cliReferenceMarkdown } from '../packages/weft/src/cli/main.ts';
import { configReferenceMarkdown } from '../packages/weft/src/config.ts';
import { flowJsonSchema } from '../packages/weft/src/flows/flow-json-schema.ts';
import { openApiJson } from '../packages/weft/src/http/api/openapi-document.ts';

const root = new URL('../', import.meta.url);
const readRepoFile = (path: string): string => readFileSync(new URL(path, root), 'utf8');

const GUIDE = 'docs/guides/writing-a-connector.md';

export function sdkReferencePage(): string {
  const authSecrets = Object.fromEntries(
    Object.entries(AUTH_SECRETS).map(([kind, { required, optional, sentAs }]) => [
      kind,
      { secrets: [...required.map((name) => `\`${name}\``), ...optional.map((name) => `\`${name}\` (optional)`)].join(', '), sentAs },
    ]),
  );
  return sdkReferenceMarkdown(builtInConnectors, { authSecrets });
}

/** The guide is hand-written except its code samples, which come from tested source files. */
export function connectorGuidePage(): string {
  return includeRegions(readRepoFile(GUIDE), readRepoFile);
}

export function generatedPages(): Array<[string, string]> {
  return [
    ['docs/reference/config.md', configReferenceMarkdown()],
    ['docs/reference/cli.md', cliReferenceMarkdown()],
    // Flow files point their editors here: `# yaml-language-server: $schema=…/flow.schema.json`.
    ['docs/reference/flow.schema.json', JSON.stringify(flowJsonSchema(), null, 2) + '\n'],
    ['docs/reference/sdk.md', sdkReferencePage()],
    [GUIDE, connectorGuidePage()],
  ];
}

// Tests import this module for its generators; only `npm run gen` writes.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  // The OpenAPI document is built by registering the routes, which is asynchronous.
  for (const [path, text] of [...generatedPages(), ['docs/reference/openapi.json', await openApiJson()] as [string, string]]) {
    writeFileSync(new URL(path, root), text);
    console.log(`wrote ${path}`);
  }
}
