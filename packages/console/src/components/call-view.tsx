import type { CallRecord } from '../api-types.ts';
import { formatBody, formatDuration, formatTime } from '../format.ts';
import { StatusBadge } from './status-badge.tsx';

function Headers({ headers }: { headers: Record<string, string> }) {
  const entries = Object.entries(headers);
  if (entries.length === 0) return null;
  return <pre class="code">{entries.map(([name, value]) => `${name}: ${value}`).join('\n')}</pre>;
}

/** One outbound HTTP call as the audit log recorded it (already redacted by the engine). */
export function CallView({ call, open = false }: { call: CallRecord; open?: boolean }) {
  // A call without a recorded answer is no failure of the destination: its outcome is not known.
  const outcome = call.unanswered ?? (call.status === null ? 'error' : call.status < 300 ? 'ok' : call.status < 500 ? 'rejected' : 'failing');
  return (
    <details class="call" open={open}>
      <summary>
        <StatusBadge value={outcome} /> <code>{call.method}</code> <span class="url">{call.url}</span> → {call.status ?? call.error ?? 'no answer'}{' '}
        <span class="muted">
          attempt {call.attempt} · {call.unanswered === null ? `${formatDuration(call.durationMs)} · ` : ''}
          {formatTime(call.at)}
        </span>
      </summary>
      <div class="call-body">
        <section aria-label="Request">
          <h4>Request</h4>
          <Headers headers={call.requestHeaders} />
          <pre class="code">{formatBody(call.requestBody)}</pre>
        </section>
        <section aria-label="Response">
          <h4>Response{call.error ? ` (${call.error})` : ''}</h4>
          <Headers headers={call.responseHeaders} />
          <pre class="code">{formatBody(call.responseBody)}</pre>
        </section>
      </div>
    </details>
  );
}
