import { Command } from 'commander';
import { flowJsonSchema } from '../../flows/flow-json-schema.ts';
import type { CliContext } from '../context.ts';
import { createOutput } from '../output.ts';

export function schemaCommand(context: CliContext): Command {
  return new Command('schema')
    .description('print the JSON Schema of flow files, for editors (weft schema > flow.schema.json)')
    .action(() => {
      createOutput(context).json(flowJsonSchema());
    });
}
