/**
 * Facts about Slack's Web API that the connector and the sandbox rely on, from Slack's OpenAPI
 * description (slack_web_openapi_v2.json, Swagger 2.0) and its published rate-limit and
 * request-signing rules, plus the seed data the sandbox starts with. Test data only: no real
 * token, secret or workspace.
 */

/** What `weft sandbox slack` prints and the tests use; the prefixes are Slack's, the rest is made up. */
export const SANDBOX_BOT_TOKEN = 'xoxb-1000000001-2000000002-weftSandboxBotToken00';
export const SANDBOX_SIGNING_SECRET = 'weftsandboxsigningsecret0000000000';

export const SANDBOX_TEAM = { id: 'T0WEFTSBX', name: 'Weft Sandbox', domain: 'weft-sandbox' } as const;
export const SANDBOX_BOT = { userId: 'U0WEFTBOT', botId: 'B0WEFTBOT', name: 'weft', appId: 'A0WEFTAPP' } as const;
export const SANDBOX_HUMAN = { id: 'U0ADALOVE', name: 'ada', teamId: SANDBOX_TEAM.id } as const;

/** The interactive payload types the sandbox can build and deliver. */
export const SLACK_INTERACTION_TYPES = ['block_actions'] as const;

/** chat.postMessage: Slack truncates over 4,000 characters and refuses over 40,000 (msg_too_long). */
export const MAX_TEXT_LENGTH = 40_000;
/** Block Kit: at most 50 blocks in a message. */
export const MAX_BLOCKS = 50;
/** chat.postMessage is limited to about one message a second per channel. */
export const POST_MESSAGE_INTERVAL_MS = 1000;
/** conversations.list: limit defaults to 100 and may not exceed 1000. */
export const LIST_LIMIT = { default: 100, max: 1000 } as const;
/** Slack rejects signed requests whose X-Slack-Request-Timestamp is more than five minutes old. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/**
 * The `error` strings Slack answers inside HTTP 200 (`{ ok: false, error }`), grouped by what
 * the engine should do. The chat.postMessage and auth.test error enums of the spec, plus the
 * documented token errors (token_revoked/token_expired), ratelimited (the spec spells it
 * rate_limited; the API sends ratelimited with HTTP 429) and the server-side failures Slack
 * lists for every method.
 */
export const SLACK_ERRORS = {
  auth: ['not_authed', 'invalid_auth', 'account_inactive', 'token_revoked', 'token_expired', 'no_permission', 'missing_scope', 'not_allowed_token_type', 'ekm_access_denied', 'team_access_not_granted'],
  notFound: ['channel_not_found', 'not_in_channel', 'thread_not_found'],
  rateLimited: ['ratelimited', 'rate_limited'],
  validation: [
    'msg_too_long', 'no_text', 'invalid_blocks', 'invalid_blocks_format', 'too_many_attachments', 'is_archived', 'invalid_cursor',
    'invalid_arguments', 'invalid_arg_name', 'invalid_array_arg', 'invalid_charset', 'invalid_form_data', 'invalid_post_type',
    'missing_post_type', 'invalid_json', 'json_not_object', 'restricted_action', 'upgrade_required',
  ],
  retryable: ['fatal_error', 'internal_error', 'service_unavailable', 'request_timeout'],
} as const;

export interface SeedChannel {
  id: string;
  name: string;
  isPrivate: boolean;
  isArchived: boolean;
  /** Whether the sandbox's bot is in it: posting to a channel it is not in is not_in_channel. */
  isMember: boolean;
}

const PUBLIC_NAMES = ['general', 'random', 'orders', 'support', 'alerts', 'dev', 'ops', 'sales', 'marketing', 'finance', 'warehouse', 'shipping'];

/** 12 public channels (the bot in all but one), one private, one archived: three pages at limit 5. */
export const SEED_CHANNELS: readonly SeedChannel[] = [
  ...PUBLIC_NAMES.map((name, index) => ({
    id: `C0SBX${String(index + 1).padStart(4, '0')}`,
    name,
    isPrivate: false,
    isArchived: false,
    isMember: name !== 'finance',
  })),
  { id: 'G0SBX0001', name: 'leadership', isPrivate: true, isArchived: false, isMember: true },
  { id: 'C0SBX0099', name: 'old-launch', isPrivate: false, isArchived: true, isMember: true },
];

/** 2026-01-01T00:00:00Z: seeded channels were created here. */
export const SEED_EPOCH_SECONDS = 1_767_225_600;
