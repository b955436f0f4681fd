/**
 * The mechanics of one outbound HTTP request that a flow's `call` step and a connector's
 * `ctx.http` share: its deadline, its response headers as one value each, the words for a
 * request that got no answer.
 */

/**
 * Aborts a request when the run is aborted or the timeout passes. One controller and one timer:
 * `AbortSignal.any` over `AbortSignal.timeout` costs several times as much per call (weak
 * references and finalizers for both signals), and every call pays it. `dispose` once the
 * answer is read.
 */
export function requestDeadline(runSignal: AbortSignal, timeoutMs: number) {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException(`timeout after ${timeoutMs} ms`, 'TimeoutError'));
  }, timeoutMs);
  const onRunAborted = () => controller.abort(runSignal.reason);
  if (runSignal.aborted) onRunAborted();
  else runSignal.addEventListener('abort', onRunAborted, { once: true });
  return {
    signal: controller.signal,
    hasTimedOut: () => timedOut,
    dispose() {
      clearTimeout(timer);
      runSignal.removeEventListener('abort', onRunAborted);
    },
  };
}

/** undici's headers, lower-cased, a repeated header joined as HTTP allows. */
export function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

/** A request that got no answer, in an operator's words ("connection refused"). */
export function describeNetworkError(error: unknown): string {
  const code = (error as { code?: string; cause?: { code?: string } }).code ?? (error as { cause?: { code?: string } }).cause?.code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'connection reset';
  if (code === 'ENOTFOUND') return 'host not found';
  return code ?? (error instanceof Error ? error.message : String(error));
}
