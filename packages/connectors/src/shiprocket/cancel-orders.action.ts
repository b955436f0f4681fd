import { defineAction } from '@weft/sdk';
import { shiprocketErrors } from './shiprocket.errors.ts';
import { cancelOrdersInput, cancelOrdersOutput } from './shiprocket.schemas.ts';

export const cancelOrders = defineAction({
  id: 'cancel-orders',
  name: 'Cancel orders',
  description: 'POST /v1/external/orders/cancel: cancels Shiprocket orders (and their AWBs) by Shiprocket order id. Cancelling a cancelled order is a no-op.',
  input: cancelOrdersInput,
  output: cancelOrdersOutput,
  request: (input) => ({ method: 'POST', path: '/v1/external/orders/cancel', body: input }),
  errors: shiprocketErrors,
});
