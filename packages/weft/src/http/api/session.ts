import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { newId } from '../../core/ids.ts';
import type { ApiContext } from './api-context.ts';
import { ApiProblem } from './api-problem.ts';
import { newToken, verifyPassword } from './auth.ts';
import { createSignInThrottle, MAX_FAILED_SIGN_INS, SIGN_IN_WINDOW_MS } from './sign-in-throttle.ts';
import { Millis, RoleSchema } from './schemas.ts';

const SignIn = Type.Object(
  {
    password: Type.Optional(Type.String({ minLength: 1, description: 'the local admin password: answers a session token' })),
    token: Type.Optional(Type.String({ minLength: 1, description: 'an API token to check: answers its name and role' })),
  },
  { description: 'Exactly one of password or token.' },
);

const SignedIn = Type.Object({
  token: Type.Optional(Type.String({ description: 'the admin session token (password sign-in only); shown once' })),
  role: RoleSchema,
  name: Type.String(),
  expiresAt: Type.Optional(Millis),
});

const Me = Type.Object({ name: Type.String(), role: RoleSchema });

/** The name sessions from the admin password act under in the audit. */
const ADMIN_ACTOR = 'admin';

export async function sessionRoutes(app: FastifyInstance, context: ApiContext): Promise<void> {
  const { store, clock } = context;
  const throttle = createSignInThrottle(clock);

  app.post('/session', {
    config: { public: true },
    schema: { summary: 'Sign in with the admin password (a session token) or check an API token; ten wrong passwords within five minutes pause password sign-in (429, Retry-After)', tags: ['session'], body: SignIn, response: { 200: SignedIn } },
    handler: async (request, reply) => {
      const body = request.body as Static<typeof SignIn>;
      if ((body.password === undefined) === (body.token === undefined)) throw new ApiProblem(400, 'invalid-request', 'Bad request', 'send exactly one of password or token');
      if (body.token !== undefined) {
        const principal = await app.weftAuth.verify(body.token);
        if (principal === undefined) throw new ApiProblem(401, 'invalid-credentials', 'Unauthorized', 'the token is invalid, revoked or expired');
        return { name: principal.name, role: principal.role };
      }
      const check = throttle.begin();
      if ('pausedForMs' in check) {
        const seconds = Math.ceil(check.pausedForMs / 1000);
        reply.header('retry-after', String(seconds));
        throw new ApiProblem(429, 'sign-in-paused', 'Too many wrong passwords', `password sign-in is paused for ${seconds} s: at most ${MAX_FAILED_SIGN_INS} wrong passwords are checked within ${SIGN_IN_WINDOW_MS / 60_000} minutes; API tokens still work`);
      }
      let isRight: boolean;
      try {
        const stored = await store.tokens.adminPasswordHash();
        isRight = stored !== undefined && (await verifyPassword(body.password!, stored));
      } catch (error) {
        check.abandoned();
        throw error;
      }
      if (!isRight) {
        if (check.wrong()) {
          await store.adminAudit.record({ at: clock.now(), actor: 'anonymous', role: 'viewer', action: 'session.paused', target: 'admin', detail: { failures: MAX_FAILED_SIGN_INS, from: request.ip } });
        }
        throw new ApiProblem(401, 'invalid-credentials', 'Unauthorized', 'the admin password is wrong');
      }
      check.right();
      const now = clock.now();
      const { token, hash } = newToken();
      const expiresAt = now + context.sessionTtlMs;
      // The session and its audit entry commit together: a session whose sign-in cannot be
      // audited is never handed out, so it must not be live either.
      await store.tokens.create(
        { id: newId('ses', now), name: ADMIN_ACTOR, role: 'admin', kind: 'session', hash, now, expiresAt },
        { at: now, actor: ADMIN_ACTOR, role: 'admin', action: 'session.create', target: 'admin', detail: { expiresAt } },
      );
      return { token, role: 'admin', name: ADMIN_ACTOR, expiresAt };
    },
  });

  app.delete('/session', {
    config: { role: 'viewer' },
    schema: { summary: 'Sign out: revokes the calling session token (API tokens are revoked with DELETE /tokens/:id)', tags: ['session'], response: { 204: Type.Null() } },
    handler: async (request, reply) => {
      const principal = request.principal!;
      if (principal.kind !== 'session') throw new ApiProblem(409, 'not-a-session', 'Not a session', 'API tokens are revoked with DELETE /api/v1/tokens/:id');
      await store.tokens.revoke(principal.tokenId, clock.now());
      return reply.code(204).send();
    },
  });

  app.get('/me', {
    config: { role: 'viewer' },
    schema: { summary: 'Who the token belongs to', tags: ['session'], response: { 200: Me } },
    handler: async (request) => ({ name: request.principal!.name, role: request.principal!.role }),
  });
}
