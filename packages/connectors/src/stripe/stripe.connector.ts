import { bearer, defineConnector, schema } from '@weft/sdk';
import { createCustomer } from './create-customer.action.ts';
import { createRefund } from './create-refund.action.ts';
import { listCustomers } from './list-customers.action.ts';
import { paymentIntentSucceeded } from './payment-intent-succeeded.trigger.ts';
import { events } from './events.trigger.ts';
import { retrievePaymentIntent } from './retrieve-payment-intent.action.ts';
import { TEST_MODE_REQUESTS_PER_SECOND } from './stripe.fixtures.ts';

const STRIPE_API = 'https://api.stripe.com';

export const stripe = defineConnector({
  id: 'stripe',
  name: 'Stripe',
  description: 'Customers, payment intents and refunds; payment_intent.succeeded webhooks.',
  baseUrl: (config) => (typeof config.baseUrl === 'string' ? config.baseUrl : STRIPE_API),
  config: schema.Object({
    baseUrl: schema.Optional(
      schema.String({ pattern: '^https?://', description: `Default ${STRIPE_API}. Point it at \`weft sandbox stripe\` to try flows offline.` }),
    ),
  }),
  // The secret key (sk_test_… or sk_live_…, or a restricted rk_ key) as the bearer token. Stripe
  // also takes it as a Basic user name; one scheme keeps connections uniform.
  auth: [bearer()],
  // The test-mode limit, the stricter one; a live connection can raise it to Stripe's 100 per second.
  rateLimit: { requestsPerSecond: TEST_MODE_REQUESTS_PER_SECOND },
  actions: [createCustomer, listCustomers, retrievePaymentIntent, createRefund],
  // Reading one page of customers proves the key works and changes nothing.
  testAction: 'list-customers',
  triggers: [paymentIntentSucceeded, events],
});
