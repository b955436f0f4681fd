import { AuthError, NotFoundError, RateLimitedError, ValidationError, parseRetryAfter, type ConnectorError, type HttpResponse } from '@weft/sdk';
import { RECIPIENT_ERROR_CODES } from './twilio.fixtures.ts';

interface TwilioErrorBody {
  code?: unknown;
  message?: unknown;
  more_info?: unknown;
}

/**
 * Every action's `errors` hook: Twilio's error body is `{ code, message, more_info, status }`
 * and the code says more than the status (a 400 may be a bad number or an unsubscribed
 * recipient). Codes without a rule here, and failed statuses without a Twilio body, are left to
 * errorFromResponse (return undefined).
 */
export function twilioError(response: HttpResponse): ConnectorError | undefined {
  if (response.status < 400) return undefined;
  const body = (typeof response.body === 'object' && response.body !== null ? response.body : {}) as TwilioErrorBody;
  if (typeof body.code !== 'number') return undefined;
  const code = body.code;
  const words = typeof body.message === 'string' ? body.message : 'no message';
  const options = { status: response.status, details: { twilioCode: code, ...(typeof body.more_info === 'string' ? { moreInfo: body.more_info } : {}) } };
  const message = (sentence: string) => `${sentence}: ${words} (Twilio error ${code})`;

  if (code === 20003) return new AuthError('ERR_TWILIO_AUTH', { ...options, message: message('Twilio refused the Account SID or Auth Token') });
  if (code === 20404) return new NotFoundError('ERR_TWILIO_NOT_FOUND', { ...options, message: message('Twilio has no such resource') });
  if (code === 20429 || response.status === 429) {
    const retryAfterMs = parseRetryAfter(response.headers['retry-after'], Date.now());
    return new RateLimitedError('ERR_TWILIO_RATE_LIMITED', { ...options, message: message('Twilio is rate-limiting us'), ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
  }
  if (code === 21610) return new ValidationError('ERR_TWILIO_RECIPIENT_UNSUBSCRIBED', { ...options, message: message('The recipient has opted out (replied STOP)') });
  if (code === 21608) return new ValidationError('ERR_TWILIO_RECIPIENT_UNVERIFIED', { ...options, message: message('A trial account can only send to verified numbers') });
  if ((RECIPIENT_ERROR_CODES as readonly number[]).includes(code)) {
    return new ValidationError('ERR_TWILIO_INVALID_RECIPIENT', { ...options, message: message('Twilio cannot send to this recipient') });
  }
  if (response.status === 400) return new ValidationError('ERR_TWILIO_REJECTED', { ...options, message: message('Twilio rejected the message') });
  return undefined;
}
