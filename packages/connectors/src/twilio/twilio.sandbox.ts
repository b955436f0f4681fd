import { createHmac } from 'node:crypto';
import { createSandbox, type RunningSandbox, type SandboxFailure, type SandboxRequest, type SandboxResponse } from '@weft/sdk/testing';
import {
  CALLBACK_STATUSES,
  MAGIC_TO_NUMBERS,
  MAX_BODY_LENGTH,
  MAX_MEDIA,
  PAGE_SIZE,
  SANDBOX_ACCOUNT_SID,
  SANDBOX_AUTH_TOKEN,
  SANDBOX_FROM_NUMBER,
  SANDBOX_MESSAGING_SERVICE_SID,
  SEED_EPOCH_MS,
  SEED_RECIPIENTS,
  TWILIO_API_VERSION,
  TWILIO_ERRORS,
  UNDELIVERABLE_TO_NUMBER,
  UNREACHABLE_ERROR_CODE,
  type TwilioErrorCode,
} from './twilio.fixtures.ts';

/**
 * A stateful fake of Twilio's Programmable Messaging (2010-04-01): HTTP Basic auth with the
 * Account SID and Auth Token, form-encoded creates answered 201, Twilio's error JSON and codes
 * (including the magic test numbers), newest-first pages linked by next_page_uri, and the
 * status progression queued → sent → delivered (or undelivered) with a signed form POST to
 * StatusCallback at each step.
 */

export interface TwilioMessage {
  sid: string;
  account_sid: string;
  messaging_service_sid: string | null;
  to: string;
  from: string | null;
  body: string;
  status: string;
  direction: 'outbound-api';
  num_segments: string;
  num_media: string;
  price: string | null;
  price_unit: string | null;
  error_code: number | null;
  error_message: string | null;
  date_created: string;
  date_updated: string;
  date_sent: string | null;
  api_version: string;
  uri: string;
  subresource_uris: { media: string };
  /** Not part of Twilio's resource; kept to know where to report status changes. */
  status_callback?: string;
}

export interface TwilioState {
  /** By SID, oldest first. */
  messages: Map<string, TwilioMessage>;
  nextSid(prefix: 'SM' | 'MM'): string;
}

export interface TwilioSandbox extends RunningSandbox<TwilioState> {
  accountSid: string;
  authToken: string;
  /** The Auth Token: Twilio signs status callbacks with it. */
  webhookSecret: string;
  /** A number the account owns, usable as From for SMS and WhatsApp. */
  fromNumber: string;
}

export interface TwilioSandboxOptions {
  port?: number;
  host?: string;
  accountSid?: string;
  authToken?: string;
  /** Time between status steps after a create (queued → sent → delivered). Default 200 ms; 0 stops progression. */
  statusStepMs?: number;
  now?: () => number;
  random?: () => number;
}

export async function startTwilioSandbox(options: TwilioSandboxOptions = {}): Promise<TwilioSandbox> {
  const accountSid = options.accountSid ?? SANDBOX_ACCOUNT_SID;
  const authToken = options.authToken ?? SANDBOX_AUTH_TOKEN;
  const statusStepMs = options.statusStepMs ?? 200;
  const now = options.now ?? Date.now;
  const timers = new Set<NodeJS.Timeout>();
  const accountPath = `/${TWILIO_API_VERSION}/Accounts/${accountSid}`;
  let running: RunningSandbox<TwilioState> | undefined;

  const sandbox = createSandbox<TwilioState>({
    name: 'twilio',
    seed: () => seedState(accountSid),
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.random === undefined ? {} : { random: options.random }),
    authenticate: (request) => {
      const [user, password] = basicCredentials(request.headers.authorization);
      if (user !== accountSid || password !== authToken) return twilioError(20003, { 'www-authenticate': 'Basic realm="Twilio API"' });
      // Credentials for one account cannot reach another's resources.
      return request.params.accountSid === undefined || request.params.accountSid === accountSid ? undefined : twilioError(20404);
    },
    errorResponse: (failure) => failureResponse(failure),
    // Twilio repeats a name for a list; the record keeps the parameters as received.
    decodeFormBody: decodeTwilioForm,
    routes: [
      {
        method: 'POST',
        path: '/2010-04-01/Accounts/:accountSid/Messages.json',
        handle: (request, { state }) => {
          const created = createMessage(new URLSearchParams(request.rawBody), state, accountPath, now());
          if ('refused' in created) return created.refused;
          scheduleProgress(state, created.message.sid);
          return { status: 201, body: publicView(created.message) };
        },
      },
      {
        method: 'GET',
        path: '/2010-04-01/Accounts/:accountSid/Messages.json',
        handle: (request, { state }) => listMessages(request, state, accountPath),
      },
      {
        method: 'GET',
        path: '/2010-04-01/Accounts/:accountSid/Messages/:file',
        handle: (request, { state }) => {
          const sid = (request.params.file ?? '').replace(/\.json$/, '');
          const message = request.params.file?.endsWith('.json') ? state.messages.get(sid) : undefined;
          return message === undefined ? twilioError(20404) : { body: publicView(message) };
        },
      },
    ],
    webhooks: {
      sign: (rawBody, _nowMs, url) => ({ 'x-twilio-signature': twilioSignature(authToken, url, rawBody) }),
      encode: (event) => ({ body: new URLSearchParams(event as Record<string, string>).toString(), contentType: 'application/x-www-form-urlencoded' }),
      // A message of its own that has reached `type`, reported as Twilio would report it.
      event: (type, { state }) => {
        if (!(CALLBACK_STATUSES as readonly string[]).includes(type)) {
          throw new Error(`the Twilio sandbox reports message statuses ${CALLBACK_STATUSES.join(', ')}, not ${type}`);
        }
        const created = createMessage(new URLSearchParams({ To: SEED_RECIPIENTS[0], From: SANDBOX_FROM_NUMBER, Body: 'Your order has shipped' }), state, accountPath, now());
        if ('refused' in created) throw new Error('the sandbox could not create a message to report on');
        advance(created.message, type, now());
        return callbackParams(created.message);
      },
    },
  });

  running = await sandbox.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  const close = running.close.bind(running);
  return Object.assign(running, {
    accountSid,
    authToken,
    webhookSecret: authToken,
    fromNumber: SANDBOX_FROM_NUMBER,
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await close();
    },
  });

  /** Steps a new message through its statuses, posting a signed callback after each when it has a StatusCallback. */
  function scheduleProgress(state: TwilioState, sid: string): void {
    if (statusStepMs <= 0) return;
    const message = state.messages.get(sid);
    if (message === undefined) return;
    const steps = message.to.endsWith(UNDELIVERABLE_TO_NUMBER) ? ['sent', 'undelivered'] : ['sent', 'delivered'];
    const step = (index: number) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        // A reset replaced the state: this message is gone.
        if (running?.state() !== state) return;
        advance(message, steps[index]!, now());
        const url = message.status_callback;
        const delivered = url === undefined ? Promise.resolve() : running.webhooks.send({ url, event: callbackParams(message) });
        void delivered.then(() => {
          if (index + 1 < steps.length) step(index + 1);
        });
      }, statusStepMs);
      timers.add(timer);
    };
    // Twilio reports `queued` too when asked; the sandbox starts from the first change.
    step(0);
  }
}

function seedState(accountSid: string): TwilioState {
  let counter = 0;
  const nextSid = (prefix: 'SM' | 'MM') => `${prefix}${(++counter).toString(16).padStart(32, '0')}`;
  const messages = new Map<string, TwilioMessage>();
  SEED_RECIPIENTS.forEach((to, index) => {
    const at = SEED_EPOCH_MS + index * 60_000;
    const from = to.startsWith('whatsapp:') ? `whatsapp:${SANDBOX_FROM_NUMBER}` : SANDBOX_FROM_NUMBER;
    const message = newMessage(nextSid('SM'), accountSid, { to, from, body: `Seeded message ${index + 1}`, mediaCount: 0, serviceSid: null }, at);
    advance(message, 'delivered', at + 5_000);
    messages.set(message.sid, message);
  });
  return { messages, nextSid };
}

function createMessage(form: URLSearchParams, state: TwilioState, accountPath: string, nowMs: number): { message: TwilioMessage } | { refused: SandboxResponse } {
  const refused = validateCreate(form);
  if (refused !== undefined) return { refused };
  const media = form.getAll('MediaUrl');
  const serviceSid = form.get('MessagingServiceSid');
  const message = newMessage(
    state.nextSid(media.length > 0 ? 'MM' : 'SM'),
    accountPath.split('/').at(-1)!,
    { to: form.get('To')!, from: form.get('From') || null, body: form.get('Body') ?? '', mediaCount: media.length, serviceSid: serviceSid || null },
    nowMs,
  );
  const callback = form.get('StatusCallback');
  if (callback !== null) message.status_callback = callback;
  state.messages.set(message.sid, message);
  return { message };
}

/** Twilio's checks on a create, in the order it reports them. */
function validateCreate(form: URLSearchParams): SandboxResponse | undefined {
  const to = form.get('To') ?? '';
  const from = form.get('From');
  const serviceSid = form.get('MessagingServiceSid');
  const body = form.get('Body') ?? '';
  const media = form.getAll('MediaUrl');
  const callback = form.get('StatusCallback');

  if (to === '') return twilioError(21604);
  const toNumber = to.replace(/^whatsapp:/, '');
  if (!/^\+[1-9][0-9]{1,14}$/.test(toNumber)) return twilioError(21211, {}, `Invalid 'To' Phone Number: ${to}`);
  const magic = MAGIC_TO_NUMBERS[toNumber as keyof typeof MAGIC_TO_NUMBERS];
  if (magic !== undefined) return twilioError(magic);
  if ((from === null || from === '') && (serviceSid === null || serviceSid === '')) return twilioError(21603);
  if (serviceSid !== null && serviceSid !== SANDBOX_MESSAGING_SERVICE_SID) return twilioError(20404);
  if (from !== null && from !== '') {
    if (from.startsWith('whatsapp:') !== to.startsWith('whatsapp:')) return twilioError(21910);
    if (!/^(whatsapp:)?\+[1-9][0-9]{1,14}$/.test(from)) return twilioError(21212, {}, `Invalid 'From' Phone Number: ${from}`);
    if (from.replace(/^whatsapp:/, '') !== SANDBOX_FROM_NUMBER) return twilioError(21606);
  }
  if (body === '' && media.length === 0) return twilioError(21602);
  if (body.length > MAX_BODY_LENGTH) return twilioError(21617);
  if (media.length > MAX_MEDIA) return twilioError(21623);
  if (media.some((url) => !isHttpUrl(url))) return twilioError(21620);
  if (callback !== null && !isHttpUrl(callback)) return twilioError(21609);
  return undefined;
}

function newMessage(
  sid: string,
  accountSid: string,
  fields: { to: string; from: string | null; body: string; mediaCount: number; serviceSid: string | null },
  atMs: number,
): TwilioMessage {
  const date = rfc2822(atMs);
  const uri = `/${TWILIO_API_VERSION}/Accounts/${accountSid}/Messages/${sid}.json`;
  return {
    sid,
    account_sid: accountSid,
    messaging_service_sid: fields.serviceSid,
    to: fields.to,
    // With a Messaging Service, Twilio picks the sender later; the sandbox picks its only number.
    from: fields.from ?? (fields.serviceSid === null ? null : SANDBOX_FROM_NUMBER),
    body: fields.body,
    // Twilio answers `accepted` when a Messaging Service still has to choose the sender.
    status: fields.serviceSid === null ? 'queued' : 'accepted',
    direction: 'outbound-api',
    num_segments: String(Math.max(1, Math.ceil(fields.body.length / 153))),
    num_media: String(fields.mediaCount),
    price: null,
    price_unit: 'USD',
    error_code: null,
    error_message: null,
    date_created: date,
    date_updated: date,
    date_sent: null,
    api_version: TWILIO_API_VERSION,
    uri,
    subresource_uris: { media: uri.replace(/\.json$/, '/Media.json') },
  };
}

/** Moves a message to `status`, filling what Twilio fills at that point. */
function advance(message: TwilioMessage, status: string, atMs: number): void {
  message.status = status;
  message.date_updated = rfc2822(atMs);
  if (status !== 'queued' && message.date_sent === null) message.date_sent = rfc2822(atMs);
  if (status !== 'queued' && message.price === null) message.price = `-${(0.0079 * Number(message.num_segments)).toFixed(5)}`;
  if (status === 'undelivered' || status === 'failed') {
    message.error_code = UNREACHABLE_ERROR_CODE;
    message.error_message = 'Unreachable destination handset';
  }
}

/** The parameters of Twilio's status callback request for one message. */
function callbackParams(message: TwilioMessage): Record<string, string> {
  return {
    AccountSid: message.account_sid,
    ApiVersion: TWILIO_API_VERSION,
    From: message.from ?? '',
    MessageSid: message.sid,
    MessageStatus: message.status,
    SmsSid: message.sid,
    SmsStatus: message.status,
    To: message.to,
    ...(message.messaging_service_sid === null ? {} : { MessagingServiceSid: message.messaging_service_sid }),
    ...(message.error_code === null ? {} : { ErrorCode: String(message.error_code) }),
  };
}

function listMessages(request: SandboxRequest, state: TwilioState, accountPath: string): SandboxResponse {
  const query = request.query as Record<string, unknown>;
  // Out-of-range sizes are clamped rather than refused: the sandbox does not know Twilio's code for them.
  const asked = Number(query.PageSize ?? PAGE_SIZE.default);
  const pageSize = Number.isInteger(asked) ? Math.min(Math.max(asked, 1), PAGE_SIZE.max) : PAGE_SIZE.default;
  const page = query.Page === undefined ? 0 : Number(query.Page);
  const filters: Record<string, string> = {};
  for (const name of ['To', 'From'] as const) if (typeof query[name] === 'string') filters[name] = query[name] as string;

  // Newest first, as Twilio lists.
  let messages = [...state.messages.values()].reverse();
  if (filters.To !== undefined) messages = messages.filter((message) => message.to === filters.To);
  if (filters.From !== undefined) messages = messages.filter((message) => message.from === filters.From);
  let start = 0;
  if (typeof query.PageToken === 'string') {
    // The token names the last record of the previous page, as Twilio's PA… tokens do.
    const after = messages.findIndex((message) => `PA${message.sid}` === query.PageToken);
    if (after < 0) return twilioError(20404);
    start = after + 1;
  }
  const items = messages.slice(start, start + pageSize);
  const base = `${accountPath}/Messages.json`;
  const uriFor = (extra: Record<string, string>) => `${base}?${new URLSearchParams({ ...filters, PageSize: String(pageSize), ...extra }).toString()}`;
  const last = items.at(-1);
  const hasMore = start + pageSize < messages.length && last !== undefined;
  return {
    body: {
      messages: items.map(publicView),
      end: start + items.length - 1,
      first_page_uri: uriFor({ Page: '0' }),
      next_page_uri: hasMore ? uriFor({ Page: String(page + 1), PageToken: `PA${last.sid}` }) : null,
      previous_page_uri: page > 0 ? uriFor({ Page: String(page - 1) }) : null,
      page,
      page_size: pageSize,
      start,
      uri: uriFor(page === 0 ? { Page: '0' } : { Page: String(page), ...(typeof query.PageToken === 'string' ? { PageToken: query.PageToken } : {}) }),
    },
  };
}

function publicView(message: TwilioMessage): Omit<TwilioMessage, 'status_callback'> {
  const { status_callback: _callback, ...resource } = message;
  return resource;
}

/** Twilio's rule, written out here so the sandbox does not share code with the verifiers that check it. */
function twilioSignature(authToken: string, url: string, rawBody: string): string {
  const params = [...new URLSearchParams(rawBody)].sort(([a, x], [b, y]) => (a !== b ? (a < b ? -1 : 1) : x < y ? -1 : x > y ? 1 : 0));
  return createHmac('sha1', authToken).update(url + params.map(([name, value]) => name + value).join('')).digest('base64');
}

function twilioError(code: TwilioErrorCode, headers: Record<string, string> = {}, message?: string): SandboxResponse {
  const { status, message: standard } = TWILIO_ERRORS[code];
  return { status, headers, body: { code, message: message ?? standard, more_info: `https://www.twilio.com/docs/errors/${code}`, status } };
}

/** Twilio's error JSON for what the sandbox itself refuses. */
function failureResponse(failure: SandboxFailure): SandboxResponse {
  if (failure.kind === 'rate-limited') return twilioError(20429);
  if (failure.kind === 'unknown-route' || failure.status === 404) return twilioError(20404);
  if (failure.status === 401) return twilioError(20003);
  // 20500 is Twilio's internal server error; other injected statuses reuse it with their own status.
  const code = 20500;
  return { status: failure.status, body: { code, message: failure.message, more_info: `https://www.twilio.com/docs/errors/${code}`, status: failure.status } };
}

/** One string per name, a list for a repeated name (MediaUrl). */
function decodeTwilioForm(rawBody: string): Record<string, string | string[]> {
  const form = new URLSearchParams(rawBody);
  return Object.fromEntries([...new Set(form.keys())].map((name) => {
    const values = form.getAll(name);
    return [name, values.length === 1 ? values[0]! : values];
  }));
}

function basicCredentials(authorization: string | undefined): [string?, string?] {
  const [scheme = '', value = ''] = (authorization ?? '').trim().split(/\s+/, 2);
  if (scheme.toLowerCase() !== 'basic') return [];
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? [decoded] : [decoded.slice(0, colon), decoded.slice(colon + 1)];
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function rfc2822(atMs: number): string {
  // toUTCString gives "Thu, 24 Aug 2023 05:01:45 GMT"; Twilio writes the offset as +0000.
  return new Date(atMs).toUTCString().replace(/GMT$/, '+0000');
}

