import type { FastifyReply } from 'fastify';
import { Type } from '@sinclair/typebox';

/** The API's problem+json: RFC 9457 plus a stable `code` clients branch on. */
export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.Optional(Type.String()),
    code: Type.String(),
  },
  { description: 'application/problem+json' },
);

export function sendApiProblem(reply: FastifyReply, status: number, code: string, title: string, detail?: string): FastifyReply {
  const problem = { type: `https://weft.dev/problems/${code}`, title, status, ...(detail ? { detail } : {}), code };
  return reply.code(status).type('application/problem+json').send(JSON.stringify(problem));
}

/** Thrown by handlers, answered as a problem by the API's error handler. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    detail?: string,
  ) {
    super(detail ?? title);
  }
}

export const notFound = (what: string, id: string) => new ApiProblem(404, 'not-found', 'Not found', `no ${what} '${id}'`);
