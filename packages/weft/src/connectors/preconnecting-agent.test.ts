import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildConnector, request } from 'undici';
import { createEgressGuard, EgressDeniedError } from './egress-guard.ts';
import { PreconnectingAgent } from './preconnecting-agent.ts';

interface CountingServer {
  origin: string;
  /** Connections the server accepted, in order; each with the requests it carried. */
  connections: { socket: Socket; requests: string[] }[];
  close(): Promise<void>;
}

async function startCountingServer(): Promise<CountingServer> {
  const connections: CountingServer['connections'] = [];
  const server: Server = createServer((req, res) => {
    connections.find((c) => c.socket === req.socket)?.requests.push(req.url ?? '');
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  server.on('connection', (socket: Socket) => connections.push({ socket, requests: [] }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Runs `use` with the agent and closes the agent afterwards, whatever `use` did. */
async function withAgent(agent: PreconnectingAgent, use: (agent: PreconnectingAgent) => Promise<void>): Promise<void> {
  try {
    await use(agent);
  } finally {
    await agent.close();
  }
}

async function get(url: string, dispatcher: PreconnectingAgent): Promise<string> {
  const response = await request(url, { dispatcher });
  return response.body.text();
}

describe('PreconnectingAgent', () => {
  let server: CountingServer;
  before(async () => {
    server = await startCountingServer();
  });
  after(() => server.close());

  it('opens the connection before the request, and the request goes out on it', async () => {
    const before = server.connections.length;
    await withAgent(new PreconnectingAgent({ connect: buildConnector({}) }), async (agent) => {
      await agent.preconnect(server.origin);
      await sleep(20); // the server's 'connection' event
      assert.equal(server.connections.length, before + 1, 'preconnect opened one connection');
      assert.deepEqual(server.connections.at(-1)!.requests, [], 'and sent nothing on it');
      assert.equal(await get(`${server.origin}/first`, agent), 'ok');
      assert.equal(server.connections.length, before + 1, 'the request dialled no connection of its own');
      assert.deepEqual(server.connections.at(-1)!.requests, ['/first']);
    });
  });

  it('opens nothing while an idle connection to the origin is open, or one is already waiting', async () => {
    await withAgent(new PreconnectingAgent({ connect: buildConnector({}) }), async (agent) => {
      await agent.preconnect(server.origin);
      await agent.preconnect(server.origin);
      await sleep(20);
      const opened = server.connections.length;
      assert.equal(await get(`${server.origin}/a`, agent), 'ok');
      // undici counts a connection free again a tick or two after the answer; a request sooner
      // opens a connection of its own whatever anyone did before.
      await sleep(10);
      await agent.preconnect(server.origin); // the keep-alive connection is idle again
      assert.equal(await get(`${server.origin}/b`, agent), 'ok');
      await sleep(20);
      assert.equal(server.connections.length, opened);
      assert.deepEqual(server.connections.at(-1)!.requests, ['/a', '/b']);
    });
  });

  it('closes a connection nobody took within its idle time', async () => {
    await withAgent(new PreconnectingAgent({ connect: buildConnector({}) }, 50), async (agent) => {
      await agent.preconnect(server.origin);
      await sleep(20);
      const waiting = server.connections.at(-1)!.socket;
      const closed = new Promise<void>((resolve) => waiting.once('close', () => resolve()));
      await Promise.race([closed, sleep(2_000).then(() => assert.fail('the unused connection stayed open'))]);
      // The next request dials a fresh connection instead of a closed one.
      assert.equal(await get(`${server.origin}/later`, agent), 'ok');
      assert.deepEqual(server.connections.at(-1)!.requests, ['/later']);
    });
  });

  it('opens a fresh connection when the server closed the waiting one, and the request uses it', async () => {
    await withAgent(new PreconnectingAgent({ connect: buildConnector({}) }), async (agent) => {
      await agent.preconnect(server.origin);
      await sleep(20);
      const dropped = server.connections.at(-1)!;
      dropped.socket.destroy();
      await sleep(20); // the client side sees the close
      await agent.preconnect(server.origin);
      await sleep(20);
      assert.notEqual(server.connections.at(-1), dropped, 'a second connection was opened');
      assert.equal(await get(`${server.origin}/after-close`, agent), 'ok');
      assert.deepEqual(server.connections.at(-1)!.requests, ['/after-close']);
    });
  });

  it('through the egress guard: a refused address is refused to preconnect as to the request, and nothing connects', async () => {
    const before = server.connections.length;
    await withAgent(createEgressGuard({ allow: [] }).dispatcher(), async (agent) => {
      await assert.rejects(agent.preconnect(server.origin), EgressDeniedError);
      await sleep(20);
      assert.equal(server.connections.length, before);
    });
  });

  it('through the egress guard: an allowed origin is preconnected and used', async () => {
    const before = server.connections.length;
    await withAgent(createEgressGuard({ allow: ['127.0.0.1'] }).dispatcher(), async (agent) => {
      await agent.preconnect(server.origin);
      assert.equal(await get(`${server.origin}/guarded`, agent), 'ok');
      assert.equal(server.connections.length, before + 1);
      assert.deepEqual(server.connections.at(-1)!.requests, ['/guarded']);
    });
  });
});
