import { defineAction } from '@weft/sdk';
import { shiprocketErrors } from './shiprocket.errors.ts';
import { createOrderInput, createOrderOutput } from './shiprocket.schemas.ts';

export const createOrder = defineAction({
  id: 'create-order',
  name: 'Create order',
  description:
    'POST /v1/external/orders/create/adhoc: a custom order with its shipment, status NEW. Shiprocket takes no idempotency key, so the order is linked by its id (xref) and a replay finds it instead of creating a second.',
  input: createOrderInput,
  output: createOrderOutput,
  request: (input) => ({ method: 'POST', path: '/v1/external/orders/create/adhoc', body: input }),
  errors: shiprocketErrors,
  xref: { entity: 'order', id: (output) => String(output.order_id) },
});
