import { createHash, randomBytes, scrypt as scryptCallback, timingSafeEqual, type BinaryLike, type ScryptOptions } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { Clock } from '../../core/clock.ts';
import type { AdminAuditStore, ApiRole, ApiToken, TokenStore } from '../../store/store.ts';
import { sendApiProblem } from './api-problem.ts';

/** Who is calling: the token's name (or 'admin' for the local admin session) and its role. */
export interface Principal {
  tokenId: string;
  name: string;
  role: ApiRole;
  kind: ApiToken['kind'];
}

export interface ApiAuth {
  /** The live token behind a bearer string, or undefined. */
  verify(token: string): Promise<Principal | undefined>;
  /** Records an operator/admin action in the store's audit. */
  audit(request: FastifyRequest, action: string, target: string, detail?: unknown): Promise<void>;
}

declare module 'fastify' {
  interface FastifyInstance {
    weftAuth: ApiAuth;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

const TOKEN_PREFIX = 'weft_';
const ROLE_RANK: Record<ApiRole, number> = { viewer: 0, operator: 1, admin: 2 };
/** lastUsedAt is a hint for the tokens list, not a log: one write per token per minute at most. */
const TOUCH_INTERVAL_MS = 60_000;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A new bearer token and the hash the store keeps; the token itself is shown once and never stored. */
export function newToken(): { token: string; hash: string } {
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  return { token, hash: hashToken(token) };
}

export function roleAllows(held: ApiRole, needed: ApiRole): boolean {
  return ROLE_RANK[held] >= ROLE_RANK[needed];
}

function scrypt(password: BinaryLike, salt: BinaryLike, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCallback(password, salt, keyLength, options, (error, key) => (error ? reject(error) : resolve(key))));
}

const SCRYPT = { N: 16_384, r: 8, p: 1, keyLength: 32 };

/** `scrypt$N$r$p$salt$key` (base64url): the parameters travel with the hash, so they can be raised later. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, SCRYPT.keyLength, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p });
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || salt === undefined || key === undefined) return false;
  const expected = Buffer.from(key, 'base64url');
  const actual = await scrypt(password, Buffer.from(salt, 'base64url'), expected.length, { N: Number(n), r: Number(r), p: Number(p), maxmem: 64 * 1024 * 1024 });
  return timingSafeEqual(actual, expected);
}

/** Decorates the app with the token verifier `authorize` uses; every route of the app can then require a role. */
export function installApiAuth(app: FastifyInstance, options: { tokens: TokenStore; adminAudit: AdminAuditStore; clock: Clock }): void {
  const { tokens, clock } = options;
  const auth: ApiAuth = {
    async verify(token) {
      if (!token.startsWith(TOKEN_PREFIX)) return undefined;
      const now = clock.now();
      const hash = hashToken(token);
      const found = await tokens.findByHash(hash, now);
      if (found === undefined) return undefined;
      if (found.lastUsedAt === null || now - found.lastUsedAt >= TOUCH_INTERVAL_MS) void tokens.touch(found.id, now).catch(() => {});
      return { tokenId: found.id, name: found.name, role: found.role, kind: found.kind };
    },
    async audit(request, action, target, detail) {
      const principal = request.principal;
      if (principal === null) throw new Error(`audit of '${action}' without a signed-in caller`);
      await options.adminAudit.record({ at: clock.now(), actor: principal.name, role: principal.role, action, target, detail: detail ?? null });
    },
  };
  app.decorate('weftAuth', auth);
  app.decorateRequest('principal', null);
}

function bearerOf(request: FastifyRequest, allowQueryToken: boolean): string | undefined {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    return match?.[1];
  }
  if (allowQueryToken) {
    const query = request.query as Record<string, unknown> | undefined;
    if (typeof query?.access_token === 'string') return query.access_token;
  }
  return undefined;
}

/**
 * The one gate of every non-public route: 401 without a live token, 403 when its role is too
 * low. A hook for `onRequest` (the API's routes) or `preHandler`. `allowQueryToken` is for
 * EventSource, which cannot send headers.
 */
export function authorize(role: ApiRole, options: { allowQueryToken?: boolean } = {}): onRequestAsyncHookHandler {
  return async function authorizeRequest(request: FastifyRequest, reply: FastifyReply) {
    // Fail closed: an app without the verifier installed lets nobody in.
    const auth = request.server.hasDecorator('weftAuth') ? request.server.weftAuth : undefined;
    const token = bearerOf(request, options.allowQueryToken ?? false);
    const principal = token === undefined || auth === undefined ? undefined : await auth.verify(token);
    if (principal === undefined) {
      reply.header('www-authenticate', 'Bearer');
      return sendApiProblem(reply, 401, 'unauthorized', 'Unauthorized', token === undefined ? 'send Authorization: Bearer <token>' : 'the token is invalid, revoked or expired');
    }
    request.principal = principal;
    if (!roleAllows(principal.role, role)) {
      return sendApiProblem(reply, 403, 'forbidden', 'Forbidden', `this needs the ${role} role; the token has ${principal.role}`);
    }
  };
}
