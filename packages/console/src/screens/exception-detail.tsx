import { useEffect, useMemo, useState } from 'preact/hooks';
import type { ExceptionDetail as Detail } from '../api-types.ts';
import { CallView } from '../components/call-view.tsx';
import { Notice } from '../components/notice.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { canOperate, useConsole } from '../console-context.ts';
import { formatAge, formatTime } from '../format.ts';
import { diffLines, foldUnchanged, prettyJson } from '../json-diff.ts';
import { routeHref } from '../router.ts';
import { useLoader } from '../use-loader.ts';
import { useNow } from '../use-now.ts';

type Parsed = { ok: true; value: unknown; text: string } | { ok: false; message: string };

function parseInput(text: string): Parsed {
  try {
    const value: unknown = JSON.parse(text);
    return { ok: true, value, text: prettyJson(value) };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}

/** One exception: the sentence, the failing step, the last call, and the input to fix and replay. */
export function ExceptionDetail({ id }: { id: string }) {
  const { api, session } = useConsole();
  const now = useNow();
  const detail = useLoader(() => api.get<Detail>(`/exceptions/${encodeURIComponent(id)}`), [id], ['exception']);
  const data = detail.data;
  if (!data) return <Notice error={detail.error} loading={detail.loading} />;
  const lastCall = data.calls[data.calls.length - 1];
  return (
    <>
      <p class="crumbs">
        <a href={routeHref({ screen: 'exceptions' })}>Exceptions</a> / <a href={routeHref({ screen: 'exceptions', flow: data.flowId, reason: data.reason })}>{data.reason} in {data.flowId}</a>
      </p>
      <h1 class="sentence">{data.message}</h1>
      <Notice error={detail.error} stale />
      <dl class="facts">
        <dt>Status</dt>
        <dd>
          <StatusBadge value={data.status} />
          {data.comment ? <span class="muted"> “{data.comment}”</span> : null}
        </dd>
        <dt>Reason</dt>
        <dd>{data.reason}</dd>
        <dt>Flow</dt>
        <dd>{data.flowId}</dd>
        <dt>Failing step</dt>
        <dd>
          <code>{data.stepPath ?? '—'}</code>
        </dd>
        <dt>Age</dt>
        <dd title={formatTime(data.createdAt)}>{formatAge(data.createdAt, now)}</dd>
        <dt>Run</dt>
        <dd>
          <a href={routeHref({ screen: 'run', id: data.runId })}>{data.runId}</a> <StatusBadge value={data.run.status} />
        </dd>
      </dl>
      <section class="panel" aria-labelledby="last-call-title">
        <h2 id="last-call-title">Last request and response</h2>
        {lastCall ? <CallView call={lastCall} open /> : <pre class="code">{data.lastResponse === null || data.lastResponse === undefined ? 'No call was made.' : prettyJson(data.lastResponse)}</pre>}
        {data.calls.length > 1 ? (
          <details>
            <summary>Earlier attempts ({data.calls.length - 1})</summary>
            {data.calls.slice(0, -1).map((call) => (
              <CallView key={call.id} call={call} />
            ))}
          </details>
        ) : null}
      </section>
      <InputEditor key={data.id} detail={data} canAct={canOperate(session) && data.status === 'open'} onChanged={detail.reload} />
    </>
  );
}

function InputEditor({ detail, canAct, onChanged }: { detail: Detail; canAct: boolean; onChanged(): Promise<void> }) {
  const { api } = useConsole();
  const original = useMemo(() => prettyJson(detail.input), [detail.input]);
  const [text, setText] = useState(original);
  const [comment, setComment] = useState('');
  const [outcome, setOutcome] = useState<{ runId?: string; message: string }>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  // Replayed or discarded from here: nothing is left to act on, also before the reload says so.
  const [acted, setActed] = useState(false);
  useEffect(() => setText(original), [original]);
  const parsed = parseInput(text);
  const changed = parsed.ok && parsed.text !== original;
  const diff = changed && parsed.ok ? foldUnchanged(diffLines(original, parsed.text)) : [];

  const act = async (run: () => Promise<{ runId?: string; message: string }>) => {
    setBusy(true);
    setError(undefined);
    try {
      setOutcome(await run());
      setActed(true);
      void onChanged();
    } catch (failure) {
      setError((failure as Error).message);
      // Refused because the exception changed elsewhere (409): show it as it is now.
      void onChanged();
    } finally {
      setBusy(false);
    }
  };
  const replay = () =>
    act(async () => {
      const answer = await api.post<{ runId: string }>(`/exceptions/${encodeURIComponent(detail.id)}/replay`, changed && parsed.ok ? { input: parsed.value } : {});
      return { runId: answer.runId, message: changed ? 'Replayed with the edited input as run' : 'Replayed as run' };
    });
  const discard = () =>
    act(async () => {
      if (!comment.trim()) throw new Error('Say why it is discarded: the comment is kept in the audit log.');
      await api.post(`/exceptions/${encodeURIComponent(detail.id)}/discard`, { comment: comment.trim() });
      return { message: 'Discarded.' };
    });

  return (
    <section class="panel" aria-labelledby="input-title">
      <h2 id="input-title">Input</h2>
      <p class="muted">The event the run started from. Fix it here, check the changes, replay: steps whose effects are already done are not sent again.</p>
      <div class="editor">
        <label class="field">
          Input JSON
          <textarea
            class="code"
            spellcheck={false}
            rows={Math.min(24, Math.max(8, text.split('\n').length))}
            value={text}
            readOnly={!canAct}
            aria-invalid={!parsed.ok}
            aria-describedby="input-status"
            onInput={(event) => setText(event.currentTarget.value)}
          />
        </label>
        <p id="input-status" class={parsed.ok ? 'muted' : 'error'}>
          {parsed.ok ? (changed ? 'Edited: the changes are shown below.' : 'Unchanged.') : `Not valid JSON: ${parsed.message}`}
        </p>
        {changed ? (
          <section class="diff" aria-label="Changes to the input">
            <h3>Changes</h3>
            <pre class="code">
              {diff.map((row, index) =>
                row.kind === 'skipped' ? (
                  <div key={index} class="diff-skipped">
                    … {row.count} unchanged lines
                  </div>
                ) : (
                  <div key={index} class={`diff-${row.kind}`}>
                    <span class="diff-mark" aria-label={row.kind === 'same' ? undefined : row.kind}>
                      {row.kind === 'added' ? '+' : row.kind === 'removed' ? '−' : ' '}
                    </span>
                    {row.text}
                  </div>
                ),
              )}
            </pre>
          </section>
        ) : null}
      </div>
      {canAct ? (
        <div class="actions">
          <button type="button" class="primary" disabled={busy || acted || !parsed.ok} onClick={() => void replay()}>
            {changed ? 'Replay with edited input' : 'Replay'}
          </button>
          {changed ? (
            <button type="button" onClick={() => setText(original)} disabled={busy || acted}>
              Undo edits
            </button>
          ) : null}
          <label class="inline">
            Comment
            <input value={comment} onInput={(event) => setComment(event.currentTarget.value)} placeholder="why it is discarded" />
          </label>
          <button type="button" class="danger" disabled={busy || acted} onClick={() => void discard()}>
            Discard
          </button>
        </div>
      ) : null}
      {outcome ? (
        <p class="success" role="status">
          {outcome.message}{' '}
          {outcome.runId ? <a href={routeHref({ screen: 'run', id: outcome.runId })}>{outcome.runId}</a> : null}
        </p>
      ) : null}
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
    </section>
  );
}
