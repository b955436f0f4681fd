import { ValidationError, defineAction } from '@weft/sdk';
import { shiprocketErrors } from './shiprocket.errors.ts';
import { assignAwbInput, assignAwbOutput } from './shiprocket.schemas.ts';

export const assignAwb = defineAction({
  id: 'assign-awb',
  name: 'Assign AWB',
  description: 'POST /v1/external/courier/assign/awb: picks the courier (the given one, else Shiprocket\'s recommendation) and gets the AWB number.',
  input: assignAwbInput,
  output: assignAwbOutput,
  request: (input) => ({ method: 'POST', path: '/v1/external/courier/assign/awb', body: input }),
  // Shiprocket reports a courier that cannot take the shipment as HTTP 200 with awb_assign_status 0.
  errors: (response) => {
    if (response.status !== 200) return shiprocketErrors(response);
    const body = response.body as { awb_assign_status?: unknown; response?: { data?: { awb_assign_error?: unknown } } } | null;
    if (body?.awb_assign_status !== 0) return undefined;
    const reason = body.response?.data?.awb_assign_error;
    return new ValidationError('ERR_SHIPROCKET_AWB_NOT_ASSIGNED', {
      status: response.status,
      message: `Shiprocket did not assign an AWB: ${typeof reason === 'string' && reason !== '' ? reason : 'no reason given'}`,
    });
  },
});
