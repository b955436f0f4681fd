import type { Readable } from 'node:stream';
import { errorCodes } from 'fastify';

/**
 * A request's raw bytes, refused with Fastify's own 413 once they pass `limit` (before reading any
 * when Content-Length already says so) and with its 400 when they do not match Content-Length.
 * Fastify's built-in reader takes one limit per route, fixed when the route is registered; the
 * webhook route needs the limit of the flow called, as the flows are now (`weft dev` reloads them).
 */
export function readBody(payload: Readable, limit: number, contentLengthHeader: string | undefined): Promise<Buffer> {
  const contentLength = Number(contentLengthHeader);
  if (contentLength > limit) return Promise.reject(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const stop = () => {
      payload.removeListener('data', onData);
      payload.removeListener('end', onEnd);
      payload.removeListener('error', onError);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limit) {
        // Fastify answers a parser's error with `Connection: close`: the rest is never read.
        stop();
        reject(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      stop();
      if (!Number.isNaN(contentLength) && received !== contentLength) reject(new errorCodes.FST_ERR_CTP_INVALID_CONTENT_LENGTH());
      else resolve(Buffer.concat(chunks, received));
    };
    const onError = (error: Error & { statusCode?: number }) => {
      stop();
      // An aborted upload is the client's doing, not a server error.
      if (!(typeof error.statusCode === 'number' && error.statusCode >= 400)) error.statusCode = 400;
      reject(error);
    };
    payload.on('data', onData);
    payload.on('end', onEnd);
    payload.on('error', onError);
    payload.resume();
  });
}
