import { defineConnector, schema, tokenLogin } from '@weft/sdk';
import { assignAwb } from './assign-awb.action.ts';
import { cancelOrders } from './cancel-orders.action.ts';
import { createOrder } from './create-order.action.ts';
import { generatePickup } from './generate-pickup.action.ts';
import { shiprocketMappings } from './shiprocket.canonical.ts';
import { LOGIN_PATH, SHIPROCKET_API, TOKEN_LIFETIME_SECONDS } from './shiprocket.fixtures.ts';
import { trackAwb } from './track-awb.action.ts';
import { trackingUpdate } from './tracking-update.trigger.ts';

export const shiprocket = defineConnector({
  id: 'shiprocket',
  name: 'Shiprocket',
  description: 'Indian shipping aggregator: create orders, assign AWBs, schedule pickups, track and cancel; tracking mapped to canonical shipments.',
  baseUrl: (config) => (typeof config.baseUrl === 'string' ? config.baseUrl : SHIPROCKET_API),
  config: schema.Object({
    baseUrl: schema.Optional(
      schema.String({ pattern: '^https?://', description: `Default ${SHIPROCKET_API}. Point it at \`weft sandbox shiprocket\` to try flows offline.` }),
    ),
  }),
  // An API user's email (the "username" secret) and password, created in the panel under
  // Settings → API; the login gives a JWT that lasts 240 hours.
  auth: [tokenLogin({ path: LOGIN_PATH, body: { email: 'username', password: 'password' }, tokenField: 'token', lifetimeSeconds: TOKEN_LIFETIME_SECONDS })],
  actions: [createOrder, assignAwb, generatePickup, trackAwb, cancelOrders],
  triggers: [trackingUpdate],
  mappings: shiprocketMappings,
});
