import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import { builtInConnectors, builtInSandboxes, shopify } from '@weft/connectors';
import { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { sandboxCommand } from './sandbox.ts';

function cli(signals: EventEmitter) {
  let stdout = '';
  let resolveExit!: (code: number) => void;
  const exited = new Promise<number>((resolve) => {
    resolveExit = resolve;
  });
  const context: CliContext = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: () => true },
    env: {},
    cwd: '.',
    exitCode: 0,
    exit: resolveExit,
  };
  const program = new Command('weft').exitOverride().addCommand(sandboxCommand(context, { signals }));
  return { program, exited, stdout: () => stdout };
}

async function waitFor<T>(read: () => T | undefined): Promise<T> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const value = read();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('timed out');
}

describe('weft sandbox', () => {
  it('serves the Stripe sandbox, prints its URL and credentials, and stops on SIGTERM', async () => {
    const signals = new EventEmitter();
    const { program, exited, stdout } = cli(signals);
    const parsed = program.parseAsync(['sandbox', 'stripe', '--port', '0'], { from: 'user' });
    const url = await waitFor(() => /^sandbox stripe listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(stdout())?.[1]);
    const token = /credential token: (sk_test_\S+)/.exec(stdout())?.[1];
    assert.match(stdout(), /webhook secret: whsec_/);

    const response = await fetch(`${url}/v1/customers?limit=1`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { data: unknown[] }).data.length, 1);

    signals.emit('SIGTERM', 'SIGTERM');
    assert.equal(await exited, 0);
    await parsed;
    await assert.rejects(fetch(`${url}/v1/customers`));
  });

  it('prints the whole connection config a Shopify connection needs, shop as well as baseUrl, and the command that adds it', async () => {
    const signals = new EventEmitter();
    const { program, exited, stdout } = cli(signals);
    const parsed = program.parseAsync(['sandbox', 'shopify'], { from: 'user' });
    const url = await waitFor(() => /^sandbox shopify listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(stdout())?.[1]);
    try {
      const settings = /^ {2}connection config: (.+)$/m.exec(stdout())?.[1];
      assert.ok(settings !== undefined, stdout());
      const config = Object.fromEntries(settings.split(' ').map((setting) => setting.split('=') as [string, string]));
      assert.deepEqual(config, { shop: 'weft-sandbox', baseUrl: url });
      assert.ok(Value.Check(shopify.config!, config), 'the printed settings are a valid Shopify connection config');
      assert.equal(typeof shopify.baseUrl === 'function' ? shopify.baseUrl(config) : shopify.baseUrl, url);
      const token = /^ {2}credential apiKey: (\S+)$/m.exec(stdout())?.[1];
      assert.match(
        stdout(),
        new RegExp(`^ {2}connect: {2}weft connections add shopify --connector shopify --set shop=weft-sandbox --set baseUrl=${url} --secret apiKey=env:SHOPIFY_API_KEY --secret webhookSecret=env:SHOPIFY_WEBHOOK_SECRET$`, 'm'),
      );
      const response = await fetch(`${url}/admin/api/2025-01/graphql.json`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-shopify-access-token': token! },
        body: JSON.stringify({ query: '{ orders(first: 1) { nodes { id } } }' }),
      });
      assert.equal(response.status, 200);
      assert.equal(((await response.json()) as { data: { orders: { nodes: unknown[] } } }).data.orders.nodes.length, 1);
    } finally {
      signals.emit('SIGTERM', 'SIGTERM');
      assert.equal(await exited, 0);
      await parsed;
    }
  });

  it('gives every built-in sandbox a connection config its connector accepts, pointing at the sandbox', async () => {
    for (const connector of builtInConnectors) {
      const start = builtInSandboxes[connector.id];
      assert.ok(start !== undefined, `no sandbox for ${connector.id}`);
      const sandbox = await start();
      try {
        const { connectionConfig } = sandbox;
        assert.ok(connector.config === undefined || Value.Check(connector.config, connectionConfig), `${connector.id}: ${JSON.stringify(connectionConfig)}`);
        // QuickBooks' base URL goes on to its company's path (/v3/company/<realm>); it still starts at the sandbox.
        const baseUrl = String(typeof connector.baseUrl === 'function' ? connector.baseUrl(connectionConfig) : connectionConfig.baseUrl);
        assert.ok(baseUrl === sandbox.url || baseUrl.startsWith(`${sandbox.url}/`), `${connector.id}: ${baseUrl} is not at ${sandbox.url}`);
      } finally {
        await sandbox.close();
      }
    }
  });

  it('names the sandboxes there are when asked for an unknown vendor', async () => {
    const { program } = cli(new EventEmitter());
    await assert.rejects(program.parseAsync(['sandbox', 'acme'], { from: 'user' }), /no sandbox for "acme"; there are: .*stripe/);
  });
});
