import { NotFoundError, ValidationError, defineAction, schema, type HttpResponse } from '@weft/sdk';
import { transactionHeaders } from './fedex.account.ts';
import { FEDEX_ERRORS } from './fedex.fixtures.ts';
import { fedexErrors } from './fedex.errors.ts';
import { customerTransactionId, trackResponse } from './fedex.schemas.ts';

interface TrackBody {
  output?: { completeTrackResults?: { trackResults?: { error?: { code?: unknown; message?: unknown } }[] }[] };
}

export const trackShipment = defineAction({
  id: 'track-shipment',
  name: 'Track shipment',
  description: 'POST /track/v1/trackingnumbers for one tracking number: its latest status, key dates and (by default) every scan.',
  input: schema.Object({
    trackingNumber: schema.String({ minLength: 1 }),
    includeDetailedScans: schema.Optional(schema.Boolean({ default: true, description: 'false returns the latest status without the scan history.' })),
    carrierCode: schema.Optional(schema.String({ description: 'FDXE, FDXG, …: only needed when a number is ambiguous across operating companies.' })),
    customerTransactionId,
  }),
  output: trackResponse,
  errors: trackErrors,
  request: ({ trackingNumber, includeDetailedScans, carrierCode, customerTransactionId: transactionId }) => ({
    method: 'POST',
    path: '/track/v1/trackingnumbers',
    headers: transactionHeaders(transactionId),
    body: {
      includeDetailedScans: includeDetailedScans ?? true,
      trackingInfo: [{ trackingNumberInfo: { trackingNumber, ...(carrierCode === undefined ? {} : { carrierCode }) } }],
    },
  }),
});

/**
 * FedEx answers an unknown or malformed tracking number with 200 and an `error` inside the track
 * result: a NotFoundError (or ValidationError) here, so a flow does not read an empty result as
 * a shipment.
 */
function trackErrors(response: HttpResponse) {
  const failed = fedexErrors(response);
  if (failed !== undefined) return failed;
  const error = (response.body as TrackBody).output?.completeTrackResults?.[0]?.trackResults?.[0]?.error;
  if (typeof error?.code !== 'string' || error.code === '') return undefined;
  const words = `${error.code}${typeof error.message === 'string' ? `: ${error.message}` : ''}`;
  const options = { status: response.status, details: { vendorMessage: words } };
  if (error.code === FEDEX_ERRORS.trackingNumberNotFound.code) {
    return new NotFoundError('ERR_FEDEX_TRACKING_NUMBER_NOT_FOUND', { ...options, message: `FedEx does not know this tracking number: ${words}` });
  }
  return new ValidationError('ERR_FEDEX_TRACKING_REFUSED', { ...options, message: `FedEx could not track this number: ${words}` });
}
