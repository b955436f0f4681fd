import { defineAction } from '@weft/sdk';
import { shiprocketErrors } from './shiprocket.errors.ts';
import { generatePickupInput, generatePickupOutput } from './shiprocket.schemas.ts';

export const generatePickup = defineAction({
  id: 'generate-pickup',
  name: 'Generate pickup',
  description: 'POST /v1/external/courier/generate/pickup: asks the courier to collect shipments that have an AWB.',
  input: generatePickupInput,
  output: generatePickupOutput,
  request: (input) => ({ method: 'POST', path: '/v1/external/courier/generate/pickup', body: input }),
  errors: shiprocketErrors,
});
