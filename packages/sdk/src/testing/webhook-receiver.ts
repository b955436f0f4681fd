import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One delivery as the receiver got it: the raw bytes (signatures cover them) and the URL called. */
export interface ReceivedDelivery {
  rawBody: string;
  /** Lower-case names; repeated headers are left out. */
  headers: Record<string, string>;
  /** The full URL the sender called, query included, which URL-signing schemes (Twilio) cover. */
  url: string;
}

export interface WebhookReceiver {
  /** Where to send deliveries: `http://127.0.0.1:<port><path>`. */
  url: string;
  received: ReceivedDelivery[];
  clear(): void;
  close(): Promise<void>;
}

/**
 * A local endpoint that accepts every delivery with 200 and keeps it, for tests of a sandbox's
 * webhooks and of the contract suite's signature checks.
 */
export async function startWebhookReceiver(path = '/webhook'): Promise<WebhookReceiver> {
  const received: ReceivedDelivery[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers[name] = value;
      received.push({ rawBody: Buffer.concat(chunks).toString('utf8'), headers, url: `http://127.0.0.1:${port}${req.url ?? '/'}` });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    received,
    clear: () => received.splice(0),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
