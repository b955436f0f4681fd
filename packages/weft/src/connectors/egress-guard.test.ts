import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { interceptors, request, type buildConnector, type Dispatcher } from 'undici';
import { createEgressGuard, EgressAllowError, EgressDeniedError, type ResolveHost } from './egress-guard.ts';

interface TestServer {
  port: number;
  requests: { url: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
}

async function startServer(respond: (url: string) => { status: number; headers?: Record<string, string> } = () => ({ status: 200 })): Promise<TestServer> {
  const requests: TestServer['requests'] = [];
  const server: Server = createServer((req, res) => {
    requests.push({ url: req.url ?? '', headers: req.headers });
    const { status, headers } = respond(req.url ?? '');
    res.writeHead(status, headers).end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function fakeLookup(names: Record<string, string[]>): ResolveHost & { calls: string[] } {
  const calls: string[] = [];
  const lookup = async (hostname: string) => {
    calls.push(hostname);
    const addresses = names[hostname];
    if (addresses === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(lookup, { calls });
}

async function fetchText(url: string, dispatcher: Dispatcher): Promise<string> {
  const response = await request(url, { dispatcher });
  return response.body.text();
}

async function assertDenied(promise: Promise<unknown>, expected?: Partial<EgressDeniedError>): Promise<EgressDeniedError> {
  const error = await promise.then(
    () => assert.fail('the request was not refused'),
    (thrown: unknown) => thrown,
  );
  assert.ok(error instanceof EgressDeniedError, `expected EgressDeniedError, got ${String(error)}`);
  assert.equal(error.code, 'ERR_EGRESS_DENIED');
  for (const [key, value] of Object.entries(expected ?? {})) assert.equal(error[key as keyof EgressDeniedError], value, key);
  return error;
}

describe('check', () => {
  const guard = createEgressGuard({ allow: [] });

  it('refuses every internal category and names host, address, category and the setting', () => {
    const refused: [string, string][] = [
      ['127.0.0.1', 'refused to connect to 127.0.0.1 (a loopback address); allow it with WEFT_EGRESS_ALLOW=127.0.0.1'],
      ['169.254.169.254', 'refused to connect to 169.254.169.254 (a cloud metadata address); allow it with WEFT_EGRESS_ALLOW=169.254.169.254'],
      ['fd00:ec2::254', 'refused to connect to fd00:ec2::254 (a cloud metadata address); allow it with WEFT_EGRESS_ALLOW=fd00:ec2::254'],
      ['0.0.0.0', 'refused to connect to 0.0.0.0 (an unspecified address); allow it with WEFT_EGRESS_ALLOW=0.0.0.0'],
      ['fe80::1', 'refused to connect to fe80::1 (a link-local address); allow it with WEFT_EGRESS_ALLOW=fe80::1'],
      ['100.64.0.1', 'refused to connect to 100.64.0.1 (a carrier-grade NAT address); allow it with WEFT_EGRESS_ALLOW=100.64.0.1'],
    ];
    for (const [address, message] of refused) {
      assert.throws(() => guard.check(address, 80, address), { name: 'EgressDeniedError', code: 'ERR_EGRESS_DENIED', message });
    }
    assert.throws(() => guard.check('10.0.0.5', 443, 'Internal.Example.'), {
      message: 'refused to connect to internal.example (10.0.0.5, a private address); allow it with WEFT_EGRESS_ALLOW=10.0.0.5',
    });
  });

  it('lets public addresses through', () => {
    guard.check('93.184.216.34', 443, 'example.com');
    guard.check('2606:4700::1111', 443, 'one.one.one.one');
  });

  it('allows by CIDR, address, address:port, host name and host:port', () => {
    const allowing = createEgressGuard({ allow: ['10.0.0.0/8', '192.168.1.7', '127.0.0.1:4001', '[::1]:4002', 'Sandbox.Test', 'erp.internal:8443', 'shop_sandbox:8080'] });
    allowing.check('10.9.8.7', 1, 'x.example');
    allowing.check('192.168.1.7', 9999, '192.168.1.7');
    allowing.check('127.0.0.1', 4001, '127.0.0.1');
    allowing.check('::1', 4002, '::1');
    allowing.check('127.0.0.1', 5555, 'sandbox.test');
    allowing.check('172.16.0.9', 8443, 'erp.internal');
    allowing.check('172.18.0.2', 8080, 'shop_sandbox');
    assert.throws(() => allowing.check('192.168.1.8', 80, '192.168.1.8'), EgressDeniedError);
    assert.throws(() => allowing.check('127.0.0.1', 4002, '127.0.0.1'), EgressDeniedError);
    assert.throws(() => allowing.check('::1', 4001, '::1'), EgressDeniedError);
    assert.throws(() => allowing.check('172.16.0.9', 443, 'erp.internal'), EgressDeniedError);
    assert.throws(() => allowing.check('127.0.0.1', 5555, 'other.test'), EgressDeniedError);
  });

  it('applies an IPv4 allow entry to the IPv4-mapped form of that address', () => {
    const allowing = createEgressGuard({ allow: ['127.0.0.0/8'] });
    allowing.check('::ffff:127.0.0.1', 80, '::ffff:7f00:1');
    assert.throws(() => allowing.check('::ffff:10.0.0.1', 80, '::ffff:a00:1'), EgressDeniedError);
  });

  it('rejects malformed allow entries with a stable code', () => {
    for (const entry of ['', '10.0.0.0/33', 'example.com/8', 'localhost:0', 'localhost:70000', 'bad name', 'bad!name', '-dash.test', 'http://x', '[::1']) {
      assert.throws(() => createEgressGuard({ allow: [entry] }), (error: unknown) => {
        assert.ok(error instanceof EgressAllowError, entry);
        assert.equal(error.code, 'ERR_EGRESS_ALLOW_INVALID');
        assert.match(error.message, /WEFT_EGRESS_ALLOW entry/);
        return true;
      });
    }
  });
});

describe('dispatcher', () => {
  let target: TestServer;
  before(async () => {
    target = await startServer();
  });
  after(() => target.close());

  it('refuses every spelling of the loopback address in a URL, before connecting', async () => {
    const agent = createEgressGuard({ allow: [] }).dispatcher({ connect: { timeout: 1000 } });
    const spellings: [string, string][] = [
      ['127.0.0.1', '127.0.0.1'],
      ['2130706433', '127.0.0.1'],
      ['0x7f000001', '127.0.0.1'],
      ['0177.0.0.1', '127.0.0.1'],
      ['127.1', '127.0.0.1'],
      ['[::1]', '::1'],
      ['[::ffff:127.0.0.1]', '::ffff:7f00:1'],
      ['0.0.0.0', '0.0.0.0'],
    ];
    try {
      for (const [host, address] of spellings) {
        await assertDenied(fetchText(`http://${host}:${target.port}/`, agent), { address });
      }
      await assertDenied(fetchText('http://169.254.169.254/latest/meta-data/', agent), { category: 'metadata' });
      assert.equal(target.requests.length, 0);
    } finally {
      await agent.close();
    }
  });

  it('refuses a name that resolves to a private address', async () => {
    const agent = createEgressGuard({ allow: [], lookup: fakeLookup({ 'internal.example': ['10.1.2.3'] }) }).dispatcher();
    try {
      const error = await assertDenied(fetchText('http://internal.example:8080/orders', agent), { host: 'internal.example', address: '10.1.2.3', port: 8080 });
      assert.equal(error.message, 'refused to connect to internal.example (10.1.2.3, a private address); allow it with WEFT_EGRESS_ALLOW=10.1.2.3');
    } finally {
      await agent.close();
    }
  });

  it('refuses a name when any of its addresses is internal, even if another is public', async () => {
    const lookup = fakeLookup({ 'mixed.example': ['93.184.216.34', '10.1.2.3'] });
    const agent = createEgressGuard({ allow: [], lookup }).dispatcher();
    try {
      await assertDenied(fetchText('http://mixed.example/', agent), { address: '10.1.2.3' });
    } finally {
      await agent.close();
    }
  });

  it('connects once allow-listed by CIDR or by exact address and port, and not for another port', async () => {
    for (const allow of ['127.0.0.1/32', `127.0.0.1:${target.port}`]) {
      const agent = createEgressGuard({ allow: [allow] }).dispatcher();
      try {
        assert.equal(await fetchText(`http://127.0.0.1:${target.port}/allowed`, agent), 'ok', allow);
      } finally {
        await agent.close();
      }
    }
    const otherPort = createEgressGuard({ allow: [`127.0.0.1:${target.port === 65535 ? 1 : target.port + 1}`] }).dispatcher();
    try {
      await assertDenied(fetchText(`http://127.0.0.1:${target.port}/`, otherPort));
    } finally {
      await otherPort.close();
    }
  });

  it('connects to the resolved address of an allowed name, keeping the name in the Host header', async () => {
    const lookup = fakeLookup({ 'sandbox.test': ['127.0.0.1'] });
    const agent = createEgressGuard({ allow: ['sandbox.test'], lookup }).dispatcher();
    try {
      assert.equal(await fetchText(`http://sandbox.test:${target.port}/by-name`, agent), 'ok');
      assert.equal(target.requests.at(-1)?.headers.host, `sandbox.test:${target.port}`);
      assert.deepEqual(lookup.calls, ['sandbox.test']);
    } finally {
      await agent.close();
    }
  });

  it('tries the next checked address when one refuses the connection', async () => {
    // The server listens on 127.0.0.1 only, so 127.0.0.2 (also loopback on Linux) refuses.
    const lookup = fakeLookup({ 'two.test': ['127.0.0.2', '127.0.0.1'] });
    const agent = createEgressGuard({ allow: ['127.0.0.0/8'], lookup }).dispatcher();
    try {
      assert.equal(await fetchText(`http://two.test:${target.port}/second`, agent), 'ok');
      assert.equal(target.requests.at(-1)?.url, '/second');
    } finally {
      await agent.close();
    }
  });

  it('passes resolver failures through unchanged', async () => {
    const agent = createEgressGuard({ allow: [], lookup: fakeLookup({ 'empty.test': [] }) }).dispatcher();
    try {
      for (const host of ['missing.test', 'empty.test']) {
        await assert.rejects(fetchText(`http://${host}/`, agent), { code: 'ENOTFOUND' });
      }
    } finally {
      await agent.close();
    }
  });

  it('keeps the URL path, query and credentials out of the refusal', async () => {
    const agent = createEgressGuard({ allow: [] }).dispatcher();
    try {
      const error = await assertDenied(fetchText(`http://admin:hunter2@127.0.0.1:${target.port}/export?api_key=sk_live_123`, agent));
      for (const secret of ['hunter2', 'admin', 'sk_live_123', 'api_key', '/export']) {
        assert.ok(!error.message.includes(secret), `message leaks ${secret}: ${error.message}`);
        assert.ok(!JSON.stringify({ ...error }).includes(secret), `error fields leak ${secret}`);
      }
      assert.match(error.message, /WEFT_EGRESS_ALLOW=127\.0\.0\.1/);
    } finally {
      await agent.close();
    }
  });
});

describe('dispatcher with the redirect interceptor', () => {
  let internal: TestServer;
  let front: TestServer;
  before(async () => {
    internal = await startServer();
    front = await startServer((url) =>
      url === '/to-metadata'
        ? { status: 302, headers: { location: 'http://metadata.test/latest/meta-data/' } }
        : { status: 302, headers: { location: `http://127.0.0.1:${internal.port}/secret` } },
    );
  });
  after(async () => {
    await front.close();
    await internal.close();
  });

  const redirecting = (allow: string[]) =>
    createEgressGuard({ allow, lookup: fakeLookup({ 'metadata.test': ['169.254.169.254'] }) })
      .dispatcher()
      .compose(interceptors.redirect({ maxRedirections: 3 }));

  it('checks every hop: a redirect from an allowed host to a blocked address is refused', async () => {
    const dispatcher = redirecting([`127.0.0.1:${front.port}`]);
    try {
      await assertDenied(fetchText(`http://127.0.0.1:${front.port}/to-internal`, dispatcher), { port: internal.port, category: 'loopback' });
      await assertDenied(fetchText(`http://127.0.0.1:${front.port}/to-metadata`, dispatcher), { host: 'metadata.test', category: 'metadata' });
      assert.equal(front.requests.length, 2);
      assert.equal(internal.requests.length, 0);
    } finally {
      await dispatcher.close();
    }
  });

  it('follows the redirect when its target is allowed too', async () => {
    const dispatcher = redirecting([`127.0.0.1:${front.port}`, `127.0.0.1:${internal.port}`]);
    try {
      assert.equal(await fetchText(`http://127.0.0.1:${front.port}/to-internal`, dispatcher), 'ok');
      assert.equal(internal.requests.at(-1)?.url, '/secret');
    } finally {
      await dispatcher.close();
    }
  });
});

describe('connector', () => {
  function recordingBase(): buildConnector.connector & { seen: buildConnector.Options[] } {
    const seen: buildConnector.Options[] = [];
    const base: buildConnector.connector = (options, callback) => {
      seen.push(options);
      callback(Object.assign(new Error('stop here'), { code: 'TEST_STOP' }), null);
    };
    return Object.assign(base, { seen });
  }

  function connect(connector: buildConnector.connector, options: buildConnector.Options): Promise<unknown> {
    return new Promise((resolve) => connector(options, (...result) => resolve(result[0])));
  }

  it('resolves once and hands the base connector the checked address, with the name kept for TLS', async () => {
    const lookup = fakeLookup({ 'api.example': ['93.184.216.34'] });
    const base = recordingBase();
    const connector = createEgressGuard({ allow: [], lookup }).connector(base);
    const error = await connect(connector, { hostname: 'api.example', host: 'api.example', protocol: 'https:', port: '' });
    assert.equal((error as { code?: string }).code, 'TEST_STOP');
    assert.deepEqual(lookup.calls, ['api.example']);
    assert.equal(base.seen.length, 1);
    assert.equal(base.seen[0]?.hostname, '93.184.216.34');
    assert.equal(base.seen[0]?.servername, 'api.example');
  });

  it('checks https targets on their default port', async () => {
    const connector = createEgressGuard({ allow: ['10.0.0.1:443'], lookup: fakeLookup({ 'erp.internal': ['10.0.0.1'] }) }).connector(recordingBase());
    assert.equal(((await connect(connector, { hostname: 'erp.internal', protocol: 'https:', port: '' })) as { code?: string }).code, 'TEST_STOP');
    const denied = await connect(connector, { hostname: 'erp.internal', protocol: 'http:', port: '' });
    assert.ok(denied instanceof EgressDeniedError);
    assert.equal(denied.port, 80);
  });

  it('does not look up an address literal, and sets no server name for it', async () => {
    const lookup = fakeLookup({});
    const base = recordingBase();
    const connector = createEgressGuard({ allow: [], lookup }).connector(base);
    await connect(connector, { hostname: '93.184.216.34', protocol: 'https:', port: '443' });
    assert.deepEqual(lookup.calls, []);
    assert.equal(base.seen[0]?.hostname, '93.184.216.34');
    assert.equal(base.seen[0]?.servername, undefined);
  });
});
