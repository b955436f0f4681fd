import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';

export interface Arrival {
  /** Date.now() when the request reached the recorder, before it is forwarded. */
  at: number;
  method: string;
  path: string;
  status: number;
  body: string;
}

/**
 * A pass-through in front of a sandbox that notes when each request arrives: a rate limit is
 * judged where the vendor would count, not by what the senders believe they sent.
 */
export async function startArrivalRecorder(targetUrl: string): Promise<{ url: string; arrivals(): Arrival[]; close(): Promise<void> }> {
  const arrivals: Arrival[] = [];
  const server = createServer((incoming, outgoing) => {
    const at = Date.now();
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      const headers = Object.fromEntries(Object.entries(incoming.headers).filter(([name]) => !['host', 'connection', 'content-length', 'transfer-encoding'].includes(name))) as Record<string, string>;
      const method = incoming.method ?? 'GET';
      const path = incoming.url ?? '/';
      request(new URL(path, targetUrl), { method: method as 'POST', headers, body: body.length > 0 ? body : null }).then(
        async (answer) => {
          const text = await answer.body.text();
          arrivals.push({ at, method, path, status: answer.statusCode, body: body.toString('utf8') });
          const forwarded = Object.fromEntries(Object.entries(answer.headers).filter(([name]) => !['connection', 'transfer-encoding', 'content-length'].includes(name)));
          outgoing.writeHead(answer.statusCode, forwarded);
          outgoing.end(text);
        },
        (error: Error) => {
          outgoing.writeHead(502, { 'content-type': 'text/plain' });
          outgoing.end(error.message);
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    arrivals: () => arrivals.slice().sort((a, b) => a.at - b.at),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
