import {
  AuthError,
  NotFoundError,
  PermanentError,
  RateLimitedError,
  RetryableError,
  ValidationError,
  parseRetryAfter,
  type ConnectorError,
  type HttpResponse,
} from '@weft/sdk';
import { SLACK_ERRORS } from './slack.fixtures.ts';

const isIn = (list: readonly string[], error: string): boolean => list.includes(error);

/**
 * Every Web API action's `errors` hook. Slack answers most failures with HTTP 200 and
 * `{ ok: false, error: "<code>" }`, so the body decides, not the status; a rate limit is the
 * exception (HTTP 429 with Retry-After in seconds). Other failed statuses (5xx from Slack's
 * edge, a 404 for an unknown method) carry no Slack body and are left to errorFromResponse.
 */
export function slackError(response: HttpResponse): ConnectorError | undefined {
  const body = response.body as { ok?: unknown; error?: unknown } | null | undefined;
  const error = typeof body === 'object' && body !== null && body.ok === false && typeof body.error === 'string' ? body.error : undefined;
  if (response.status === 429) {
    const retryAfterMs = parseRetryAfter(response.headers['retry-after'], Date.now());
    return new RateLimitedError('ERR_SLACK_RATE_LIMITED', {
      status: 429,
      message: `Slack is rate-limiting this method${retryAfterMs === undefined ? '' : `; retry in ${retryAfterMs / 1000} s`} (${error ?? 'ratelimited'})`,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }
  if (error === undefined || response.status >= 300) return undefined;

  const options = { status: response.status, details: { slackError: error } };
  if (isIn(SLACK_ERRORS.auth, error)) {
    return new AuthError('ERR_SLACK_AUTH', { ...options, message: `Slack refused the token: ${error}` });
  }
  if (isIn(SLACK_ERRORS.notFound, error)) {
    const hint = error === 'not_in_channel' ? ' (invite the app to the channel first)' : '';
    return new NotFoundError('ERR_SLACK_NOT_FOUND', { ...options, message: `Slack cannot find or reach the target: ${error}${hint}` });
  }
  if (isIn(SLACK_ERRORS.rateLimited, error)) {
    return new RateLimitedError('ERR_SLACK_RATE_LIMITED', { ...options, message: `Slack is rate-limiting this method (${error})` });
  }
  if (isIn(SLACK_ERRORS.validation, error)) {
    return new ValidationError('ERR_SLACK_INVALID_REQUEST', { ...options, message: `Slack rejected the request: ${error}` });
  }
  if (isIn(SLACK_ERRORS.retryable, error)) {
    return new RetryableError('ERR_SLACK_UNAVAILABLE', { ...options, message: `Slack could not handle the request right now: ${error}` });
  }
  return new PermanentError('ERR_SLACK_API_ERROR', { ...options, message: `Slack answered with an error the connector does not know: ${error}` });
}
