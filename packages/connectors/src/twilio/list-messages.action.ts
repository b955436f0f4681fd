import { defineAction, schema, type Infer, type PaginationStrategy } from '@weft/sdk';
import { PAGE_SIZE } from './twilio.fixtures.ts';
import { twilioError } from './twilio.errors.ts';
import { address, message } from './twilio.schemas.ts';

interface MessagePage {
  messages: unknown[];
  next_page_uri: string | null;
}

/**
 * Twilio names the next page in `next_page_uri`, a path that repeats the filters and adds Page
 * and PageToken. Those two are copied onto the first request, so the next page is fetched
 * through the connection's own base URL (the sandbox's, or a regional edge) rather than the
 * api.twilio.com host the URI is relative to.
 */
const nextPageUri = Object.freeze<PaginationStrategy>({
  kind: 'cursor',
  first: (request) => request,
  items: (response) => (response.body as MessagePage).messages,
  next: ({ request, response }) => {
    const uri = (response.body as MessagePage).next_page_uri;
    if (uri === null || uri === undefined || uri === '') return undefined;
    const params = new URL(uri, 'https://api.twilio.com').searchParams;
    const page = params.get('Page');
    const token = params.get('PageToken');
    if (page === null || token === null) throw new Error(`Twilio's next_page_uri has no Page or PageToken: ${uri}`);
    return { request: { ...request, query: { ...request.query, Page: page, PageToken: token } }, position: `page token ${token}` };
  },
});

export const listMessages = defineAction({
  id: 'list-messages',
  name: 'List messages',
  description: 'GET Messages.json, newest first, every page (Twilio pages with next_page_uri).',
  input: schema.Object({
    To: schema.Optional(address),
    From: schema.Optional(schema.String({ minLength: 1 })),
    PageSize: schema.Optional(schema.Integer({ minimum: 1, maximum: PAGE_SIZE.max, description: `Page size; Twilio's default is ${PAGE_SIZE.default}.` })),
  }),
  output: schema.Object({ messages: schema.Array(message) }),
  request: ({ To, From, PageSize }) => ({ method: 'GET', path: '/Messages.json', query: { To, From, PageSize } }),
  pagination: nextPageUri,
  response: (items) => ({ messages: items as Infer<typeof message>[] }),
  errors: twilioError,
});
