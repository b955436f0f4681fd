import { bearer, defineConnector, schema } from '@weft/sdk';
import { cancelPaymentIntent } from './cancel-payment-intent.action.ts';
import { capturePaymentIntent } from './capture-payment-intent.action.ts';
import { chargeRefunded } from './charge-refunded.trigger.ts';
import { chargeSucceeded } from './charge-succeeded.trigger.ts';
import { confirmPaymentIntent } from './confirm-payment-intent.action.ts';
import { createCustomer } from './create-customer.action.ts';
import { createInvoiceItem } from './create-invoice-item.action.ts';
import { createInvoice } from './create-invoice.action.ts';
import { createPaymentIntent } from './create-payment-intent.action.ts';
import { createRefund } from './create-refund.action.ts';
import { events } from './events.trigger.ts';
import { finalizeInvoice } from './finalize-invoice.action.ts';
import { invoicePaid } from './invoice-paid.trigger.ts';
import { listCharges } from './list-charges.action.ts';
import { listCustomers } from './list-customers.action.ts';
import { listInvoices } from './list-invoices.action.ts';
import { listPaymentIntents } from './list-payment-intents.action.ts';
import { payInvoice } from './pay-invoice.action.ts';
import { paymentIntentSucceeded } from './payment-intent-succeeded.trigger.ts';
import { retrieveCharge } from './retrieve-charge.action.ts';
import { retrieveCustomer } from './retrieve-customer.action.ts';
import { retrieveInvoice } from './retrieve-invoice.action.ts';
import { retrievePaymentIntent } from './retrieve-payment-intent.action.ts';
import { stripeMappings } from './stripe.canonical.ts';
import { TEST_MODE_REQUESTS_PER_SECOND } from './stripe.fixtures.ts';
import { updateCustomer } from './update-customer.action.ts';

const STRIPE_API = 'https://api.stripe.com';

export const stripe = defineConnector({
  id: 'stripe',
  name: 'Stripe',
  description: 'Customers, payment intents, charges, refunds and invoices; payment, charge and invoice webhooks; the event log by polling.',
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
  actions: [
    createCustomer,
    retrieveCustomer,
    updateCustomer,
    listCustomers,
    createPaymentIntent,
    retrievePaymentIntent,
    confirmPaymentIntent,
    capturePaymentIntent,
    cancelPaymentIntent,
    listPaymentIntents,
    retrieveCharge,
    listCharges,
    createRefund,
    createInvoice,
    createInvoiceItem,
    finalizeInvoice,
    payInvoice,
    retrieveInvoice,
    listInvoices,
  ],
  // Reading one page of customers proves the key works and changes nothing.
  testAction: 'list-customers',
  triggers: [paymentIntentSucceeded, chargeSucceeded, chargeRefunded, invoicePaid, events],
  mappings: stripeMappings,
});
