import type { ServerResponse } from 'node:http';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { StoreEvent } from '../../store/observed-store.ts';
import type { ApiContext } from './api-context.ts';

const HEARTBEAT_MS = 15_000;
const METRICS_MS = 5_000;
/** A client this far behind gets no more run/event messages until it catches up: memory stays bounded. */
const MAX_BUFFERED_BYTES = 1_048_576;

const StreamQuery = Type.Object({ access_token: Type.Optional(Type.String({ description: 'the token, for EventSource (which cannot send headers)' })) });

type StreamMessage = { event: 'run' | 'exception' | 'event'; data: unknown };

/** What a live client is told about a committed write; call records stay out (the calls listing has them). */
function toStreamMessages(event: StoreEvent): StreamMessage[] {
  switch (event.type) {
    case 'event.accepted':
      return [{ event: 'event', data: event }];
    case 'run.claimed':
    case 'step.completed':
    case 'run.completed':
    case 'run.retry_scheduled':
    case 'run.postponed':
    case 'run.released':
      return [{ event: 'run', data: event }];
    case 'run.exception':
      return [
        { event: 'run', data: event },
        { event: 'exception', data: event },
      ];
    case 'exception.replayed':
    case 'exception.discarded':
      return [{ event: 'exception', data: event }];
    case 'call.recorded':
      return [];
  }
}

export async function streamRoutes(app: FastifyInstance, context: ApiContext): Promise<void> {
  const open = new Set<ServerResponse>();
  // Before the server waits for its connections to end: a stream never ends by itself.
  app.addHook('preClose', async () => {
    for (const response of open) response.end();
  });

  app.get('/stream', {
    config: { role: 'viewer', queryToken: true, produces: 'text/event-stream' },
    schema: {
      summary: 'Server-sent events: `run`, `exception`, `event` as they commit, `metrics` every 5 s, a heartbeat comment every 15 s',
      tags: ['live'],
      querystring: StreamQuery,
    },
    handler: (_request, reply) => {
      reply.hijack();
      const response = reply.raw;
      response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      response.write('retry: 3000\n: connected\n\n');
      open.add(response);
      const send = (event: string, data: unknown) => response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      const counts = { eventsIn: 0, runsCompleted: 0, exceptions: 0, calls: 0, dropped: 0 };
      const stop = context.store.observe((event) => {
        if (event.type === 'event.accepted' && !event.duplicate) counts.eventsIn += 1;
        if (event.type === 'run.completed') counts.runsCompleted += 1;
        if (event.type === 'run.exception') counts.exceptions += 1;
        if (event.type === 'call.recorded') counts.calls += 1;
        for (const message of toStreamMessages(event)) {
          if (response.writableLength > MAX_BUFFERED_BYTES) counts.dropped += 1;
          else send(message.event, message.data);
        }
      });
      let windowStart = context.clock.now();
      const metrics = setInterval(() => {
        const now = context.clock.now();
        send('metrics', { from: windowStart, to: now, ...counts });
        windowStart = now;
        Object.assign(counts, { eventsIn: 0, runsCompleted: 0, exceptions: 0, calls: 0, dropped: 0 });
      }, METRICS_MS);
      const heartbeat = setInterval(() => response.write(': heartbeat\n\n'), HEARTBEAT_MS);
      response.on('close', () => {
        stop();
        clearInterval(metrics);
        clearInterval(heartbeat);
        open.delete(response);
      });
    },
  });
}
