// Writes the reference pages that are generated from code, so they cannot drift from it.
// Tests compare each page with its generator; run `npm run gen` when one fails.
import { writeFileSync } from 'node:fs';
import { cliReferenceMarkdown } from '../packages/weft/src/cli/main.ts';
import { configReferenceMarkdown } from '../packages/weft/src/config.ts';
import { flowJsonSchema } from '../packages/weft/src/flows/flow-json-schema.ts';

const pages: Array<[string, string]> = [
  ['docs/reference/config.md', configReferenceMarkdown()],
  ['docs/reference/cli.md', cliReferenceMarkdown()],
  // Flow files point their editors here: `# yaml-language-server: $schema=…/flow.schema.json`.
  ['docs/reference/flow.schema.json', JSON.stringify(flowJsonSchema(), null, 2) + '\n'],
];

for (const [path, text] of pages) {
  writeFileSync(new URL(`../${path}`, import.meta.url), text);
  console.log(`wrote ${path}`);
}
