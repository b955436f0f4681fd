import { defineConnector, oauth2ClientCredentials, schema } from '@weft/sdk';
import { cancelShipment } from './cancel-shipment.action.ts';
import { createShipment } from './create-shipment.action.ts';
import { createShipmentToShipment, shipmentToCreateShipment, trackToShipment, trackingEventToShipment } from './fedex.canonical.ts';
import { FEDEX_PRODUCTION_URL, FEDEX_TEST_URL, RATE_LIMIT } from './fedex.fixtures.ts';
import { trackShipment } from './track-shipment.action.ts';
import { trackingEvent } from './tracking-event.trigger.ts';

export const fedex = defineConnector({
  id: 'fedex',
  name: 'FedEx',
  description: 'Create, cancel and track shipments (Ship and Track APIs); Advanced Integrated Visibility tracking webhooks.',
  baseUrl: (config) => (typeof config.baseUrl === 'string' ? config.baseUrl : FEDEX_PRODUCTION_URL),
  config: schema.Object({
    baseUrl: schema.Optional(
      schema.String({
        pattern: '^https?://',
        description: `Default ${FEDEX_PRODUCTION_URL}; FedEx's test environment is ${FEDEX_TEST_URL}. Point it at \`weft sandbox fedex\` to try flows offline.`,
      }),
    ),
    accountNumber: schema.Optional(
      schema.String({ pattern: '^[0-9]{9}$', description: 'The 9-digit FedEx account shipments are booked and billed on, unless an action names another.' }),
    ),
  }),
  // The project's API key and secret key as clientId/clientSecret, sent in the form body as FedEx
  // documents; tokens last an hour (expires_in 3599). The token endpoint is on the API host, so a
  // connection pointed at the test host or the sandbox gets its tokens there.
  auth: [oauth2ClientCredentials({ tokenUrl: '/oauth/token', clientAuthentication: 'client_secret_post' })],
  // 1400 transactions per 10 s per project, as a steady rate: a burst of 1400 followed by the
  // refill would reach twice that within one window.
  rateLimit: { requestsPerSecond: RATE_LIMIT.requests / (RATE_LIMIT.windowMs / 1000), burst: RATE_LIMIT.requests / (RATE_LIMIT.windowMs / 1000) },
  actions: [createShipment, cancelShipment, trackShipment],
  triggers: [trackingEvent],
  mappings: [shipmentToCreateShipment, createShipmentToShipment, trackToShipment, trackingEventToShipment],
});
