import type { FastifyReply } from 'fastify';

/** RFC 9457 problem details: every error the HTTP API answers has this shape. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
}

export function sendProblem(reply: FastifyReply, status: number, slug: string, title: string, detail?: string): FastifyReply {
  const problem: Problem = { type: `https://weft.dev/problems/${slug}`, title, status, ...(detail ? { detail } : {}) };
  return reply.code(status).type('application/problem+json').send(JSON.stringify(problem));
}
