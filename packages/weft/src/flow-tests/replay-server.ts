import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RecordedCall, Recording } from './recording-file.ts';

/** A request the recording had no answer for: the test fails and says which. */
export interface UnmatchedRequest {
  method: string;
  path: string;
}

export interface ReplayServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  unmatched(): UnmatchedRequest[];
  close(): Promise<void>;
}

/** Headers about the recorded connection, not the response: Node sets its own. */
const HOP_HEADERS = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'content-encoding', 'date']);

/**
 * Answers requests from a recording: each request gets the first unused recorded call with the
 * same method, path and query (query order aside), so repeated calls (retries, pages) get their
 * recorded answers in order. The origin is not compared: the test decides which hosts reach it.
 */
export async function startReplayServer(recording: Recording): Promise<ReplayServer> {
  const remaining: Array<RecordedCall | undefined> = [...recording.calls];
  const unmatched: UnmatchedRequest[] = [];
  const server = createServer((request, response) => {
    void drain(request).then(() => {
      const target = requestKey(request.method ?? 'GET', request.url ?? '/');
      const index = remaining.findIndex((call) => call !== undefined && requestKey(call.method, call.url) === target);
      const call = index === -1 ? undefined : remaining[index];
      if (call === undefined) {
        unmatched.push({ method: request.method ?? 'GET', path: request.url ?? '/' });
        response.writeHead(501, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: `weft test: the recording has no response for ${request.method} ${request.url}` }));
        return;
      }
      remaining[index] = undefined;
      // A call that got no response is replayed as one: the connection drops.
      if (call.response === null) return void request.socket.destroy();
      const headers = Object.fromEntries(Object.entries(call.response.headers).filter(([name]) => !HOP_HEADERS.has(name)));
      response.writeHead(call.response.status, headers);
      response.end(call.response.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    unmatched: () => [...unmatched],
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function drain(request: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    request.on('data', () => {}).on('end', resolve).on('error', () => resolve());
  });
}

/** METHOD path?sorted-query: how a request and a recorded call are compared. */
function requestKey(method: string, url: string): string {
  const parsed = new URL(url, 'http://replay.invalid');
  parsed.searchParams.sort();
  return `${method.toUpperCase()} ${parsed.pathname}${parsed.search}`;
}
