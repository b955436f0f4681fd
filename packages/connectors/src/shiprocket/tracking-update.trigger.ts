import { defineTrigger } from '@weft/sdk';
import { trackingWebhook, type TrackingWebhook } from './shiprocket.schemas.ts';

export const trackingUpdate = defineTrigger({
  id: 'tracking-update',
  name: 'Tracking update',
  description:
    "A courier scan of a shipment (panel: Settings → API → Webhooks). Shiprocket signs nothing: it sends back the token you set there in x-api-key, which the engine compares with the connection's webhookSecret in constant time. That proves who sent it, not what: re-read the tracking (track-awb) before acting on it.",
  strategy: 'webhook',
  webhook: {
    signature: { scheme: 'header-token', header: 'x-api-key' },
    // No delivery id either: one scan of one AWB is one event (its position in the scan list
    // names it; timestamps have whole seconds, too coarse for scans in quick succession), so a
    // retry of the same scan repeats the id and a new scan changes it.
    dedupeId: (_headers, body) => {
      const update = body as TrackingWebhook;
      return update?.awb === undefined ? undefined : `${update.awb}#${update.scans?.length ?? 0}/${update.current_status_id}`;
    },
  },
  output: trackingWebhook,
});
