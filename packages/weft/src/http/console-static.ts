import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { sendApiProblem } from './api/api-problem.ts';
import { sendProblem } from './problem.ts';

/** Where `npm run build -w @weft/console` writes the console. */
export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../../console/dist/', import.meta.url));

export interface ConsoleStaticOptions {
  /** The built console (index.html + assets/); missing is fine: `/` then says how to build it. */
  dir?: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Vite names every file under assets/ by its content hash: a new build is a new name. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
// The console talks only to its own origin; inline style attributes are Preact's `style` props.
const CONTENT_SECURITY_POLICY = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const NOT_BUILT = (dir: string) => `<!doctype html>
<html lang="en"><meta charset="utf-8"><title>Weft console not built</title>
<body style="font: 15px/1.5 system-ui, sans-serif; max-width: 40em; margin: 3em auto">
<h1>The Weft console is not built</h1>
<p>The engine is running: webhooks, the API under <code>/api/v1</code> and <code>/healthz</code> answer.
The web console is served from <code>${dir}</code>, which does not exist yet. Build it once from the repository:</p>
<pre>npm run build -w @weft/console</pre>
<p>and reload this page (<code>npm run demo</code> builds it for you).</p>
</body></html>`;

async function fileIn(dir: string, urlPath: string): Promise<string | undefined> {
  let relative: string;
  try {
    relative = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (relative.includes('\0')) return undefined;
  const path = resolve(dir, `.${relative}`);
  // Anything that resolves outside the build folder (../, encoded or not) is not ours to serve.
  if (!path.startsWith(dir.endsWith(sep) ? dir : dir + sep)) return undefined;
  const info = await stat(path).catch(() => undefined);
  return info?.isFile() ? path : undefined;
}

async function sendFile(reply: FastifyReply, path: string, cacheControl: string): Promise<FastifyReply> {
  const body = await readFile(path);
  return reply
    .header('content-type', CONTENT_TYPES[extname(path)] ?? 'application/octet-stream')
    .header('cache-control', cacheControl)
    .header('x-content-type-options', 'nosniff')
    .send(body);
}

/**
 * Serves the console's single-page app at `/`: hashed assets cached for a year, index.html for
 * any other path a browser navigates to (the app routes on the client), and never under /api
 * or /hooks, whose unknown paths stay problem+json 404s.
 */
export const consoleStatic: FastifyPluginAsync<ConsoleStaticOptions> = async (app, options) => {
  const dir = resolve(options.dir ?? DEFAULT_CONSOLE_DIR);

  app.get('/*', async (request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    // A GET the API does not know still answers in the API's own problem shape.
    if (path.startsWith('/api/') || path === '/api') return sendApiProblem(reply, 404, 'not-found', 'Not found', `${request.method} ${request.url}`);
    if (path.startsWith('/hooks/')) return sendProblem(reply, 404, 'not-found', 'Not found', `${request.method} ${request.url}`);
    const file = path === '/' ? undefined : await fileIn(dir, path);
    if (file) return sendFile(reply, file, path.startsWith('/assets/') ? IMMUTABLE : 'no-cache');
    // A missing hashed asset must not turn into index.html: the browser would parse HTML as code.
    if (path.startsWith('/assets/') || (extname(path) !== '' && !String(request.headers.accept ?? '').includes('text/html'))) {
      return sendProblem(reply, 404, 'not-found', 'Not found', `${request.method} ${request.url}`);
    }
    const index = await fileIn(dir, '/index.html');
    if (!index) return reply.code(404).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-cache').send(NOT_BUILT(dir));
    reply.header('content-security-policy', CONTENT_SECURITY_POLICY).header('referrer-policy', 'no-referrer');
    return sendFile(reply, index, 'no-cache');
  });
};

/** What `weft start` prints about the console: where it is, or how to build it. */
export function describeConsole(url: string, dir: string = DEFAULT_CONSOLE_DIR): string {
  return existsSync(join(dir, 'index.html')) ? `console: ${url}/` : `console: not built (npm run build -w @weft/console), then ${url}/`;
}
