import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from 'undici';

/**
 * One request through undici to a throwaway server on loopback, before any run can call out.
 *
 * Why: a vendor counts a rate window by arrival, and the limiter's margin absorbs about 30 ms of
 * difference in how long sends take to arrive (ADR-0009). A process's first outbound request is
 * the slow one: undici instantiates its HTTP parser (WebAssembly) and runs its request path for
 * the first time. Measured in isolation, that first request arrived 9.5 ms after it was made,
 * and 4–6 ms after this warm-up; on a loaded machine the difference grows several-fold. The
 * connection itself is `PreconnectingAgent`'s part. Nothing leaves the machine.
 */
export async function warmUpHttpClient(): Promise<void> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.end('{}'));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  const client = new Client(`http://127.0.0.1:${port}`);
  try {
    const response = await client.request({ method: 'POST', path: '/', body: '{}', headers: { 'content-type': 'application/json' } });
    await response.body.text();
  } finally {
    await client.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
