import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEgressGuard, EgressDeniedError, type ResolveHost } from './egress-guard.ts';
import { createGuardedNodeAgents } from './egress-node-agents.ts';

/** What the server heard: the Host header of each request. */
const hosts: string[] = [];
let server: http.Server;
let port: number;

function get(url: string, agent: http.Agent): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (response) => {
        let text = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve(text));
      })
      .on('error', reject);
  });
}

describe('guarded node:http agents', () => {
  before(async () => {
    server = http.createServer((request, response) => {
      hosts.push(request.headers.host ?? '');
      response.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => server.close());

  it('refuses an address literal before connecting: it never reaches a lookup', async () => {
    const agents = createGuardedNodeAgents(createEgressGuard({ allow: [] }));
    await assert.rejects(get(`http://127.0.0.1:${port}/`, agents.http), (error: unknown) => error instanceof EgressDeniedError && error.address === '127.0.0.1');
    assert.deepEqual(hosts, []);
  });

  it('refuses a name that resolves to an internal address, naming both', async () => {
    const lookup: ResolveHost = async () => [{ address: '10.0.0.5', family: 4 }];
    const agents = createGuardedNodeAgents(createEgressGuard({ allow: [], lookup }));
    await assert.rejects(get('http://stock.internal/', agents.http), {
      name: 'EgressDeniedError',
      message: 'refused to connect to stock.internal (10.0.0.5, a private address); allow it with WEFT_EGRESS_ALLOW=10.0.0.5',
    });
  });

  it('resolves an allowed name once and connects to the checked address, keeping the name in the Host header', async () => {
    const looked: string[] = [];
    const lookup: ResolveHost = async (hostname) => {
      looked.push(hostname);
      return [{ address: '127.0.0.1', family: 4 }];
    };
    const agents = createGuardedNodeAgents(createEgressGuard({ allow: [`127.0.0.1:${port}`], lookup }));
    assert.equal(await get(`http://stock.internal:${port}/`, agents.http), 'ok');
    assert.deepEqual(looked, ['stock.internal'], 'the socket took the checked address instead of resolving the name again');
    assert.deepEqual(hosts, [`stock.internal:${port}`]);
    agents.http.destroy();
  });
});
