import { NotFoundError, defineAction, schema } from '@weft/sdk';
import { shiprocketErrors } from './shiprocket.errors.ts';
import { trackResponse } from './shiprocket.schemas.ts';

export const trackAwb = defineAction({
  id: 'track-awb',
  name: 'Track by AWB',
  description: 'GET /v1/external/courier/track/awb/{awb}: the shipment\'s status and the courier\'s scans, newest first.',
  input: schema.Object({ awb: schema.String({ pattern: '^[A-Za-z0-9-]{1,64}$', description: 'The AWB (tracking) number.' }) }, { additionalProperties: false }),
  output: trackResponse,
  request: ({ awb }) => ({ method: 'GET', path: `/v1/external/courier/track/awb/${encodeURIComponent(awb)}` }),
  // Shiprocket answers an AWB it has no scans for (unknown, or not picked up yet) with HTTP 200,
  // track_status 0 and a sentence in `error`: there is nothing to track yet.
  errors: (response) => {
    if (response.status !== 200) return shiprocketErrors(response);
    const data = (response.body as { tracking_data?: { track_status?: unknown; error?: unknown } } | null)?.tracking_data;
    if (data?.track_status !== 0) return undefined;
    return new NotFoundError('ERR_SHIPROCKET_NO_TRACKING', {
      status: response.status,
      message: `Shiprocket has no tracking for this AWB yet${typeof data.error === 'string' ? `: ${data.error}` : ''}`,
    });
  },
});
