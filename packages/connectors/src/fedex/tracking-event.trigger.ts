import { defineTrigger, type Infer } from '@weft/sdk';
import { SIGNATURE_HEADER } from './fedex.fixtures.ts';
import { trackResponse } from './fedex.schemas.ts';
import { fedexInstant } from './fedex.time.ts';

export const trackingEvent = defineTrigger({
  id: 'tracking-event',
  name: 'Tracking event (Advanced Integrated Visibility)',
  description:
    'A FedEx Advanced Integrated Visibility push: the Track API document for a shipment that has a new scan. Signed with fdx-signature, base64 HMAC-SHA256 of the raw body keyed with the webhook project\'s security token (the connection\'s webhookSecret). FedEx may deliver events out of order; order them by scan time.',
  strategy: 'webhook',
  webhook: {
    signature: { scheme: 'hmac-sha256', header: SIGNATURE_HEADER, encoding: 'base64' },
    dedupeId: (_headers, body) => trackingEventId(body as Infer<typeof trackResponse>),
  },
  output: trackResponse,
});

/**
 * FedEx sends no event or delivery id, and a body hash would miss a redelivery FedEx serialised
 * anew. Each tracking number's newest scan (time and type) names the event instead: a retry of the
 * same push repeats it, a new scan changes it.
 */
export function trackingEventId(body: Infer<typeof trackResponse>): string | undefined {
  const results = body?.output?.completeTrackResults;
  if (!Array.isArray(results) || results.length === 0) return undefined;
  const parts = results.flatMap((complete) =>
    (complete.trackResults ?? []).map((result) => {
      const newest = [...(result.scanEvents ?? [])].sort((a, b) => (fedexInstant(b.date) ?? 0) - (fedexInstant(a.date) ?? 0))[0];
      const at = newest === undefined ? (result.latestStatusDetail?.code ?? 'none') : `${newest.date}/${newest.eventType}`;
      return `${result.trackingNumberInfo?.trackingNumber ?? complete.trackingNumber}@${at}`;
    }),
  );
  return parts.length === 0 ? undefined : parts.join(',');
}
