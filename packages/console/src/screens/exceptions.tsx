import { useRef, useState } from 'preact/hooks';
import type { BulkJob, ExceptionGroup, ExceptionRecord, Page } from '../api-types.ts';
import { Notice } from '../components/notice.tsx';
import { Pager } from '../components/pager.tsx';
import type { ApiClient } from '../api-client.ts';
import { canOperate, useConsole } from '../console-context.ts';
import { formatAge, formatTime } from '../format.ts';
import { routePages } from '../route-pages.ts';
import { routeHref, type PageCursors } from '../router.ts';
import { rowKeys, useListKeys } from '../use-list-keys.ts';
import { useLoader } from '../use-loader.ts';
import { useNow } from '../use-now.ts';

/** Open exceptions in the groups that the filter selects: what a bulk action would act on. */
function countMatching(groups: ExceptionGroup[], flow: string | undefined, reason: string | undefined): number {
  return groups.filter((g) => (!flow || g.flowId === flow) && (!reason || g.reason === reason)).reduce((sum, g) => sum + g.count, 0);
}

/** The inbox: open exceptions grouped by reason and flow, oldest first, with bulk actions. */
export function Exceptions({ flow, reason, cursors }: { flow?: string; reason?: string; cursors?: PageCursors }) {
  const { api, navigate, session } = useConsole();
  const now = useNow();
  const pages = routePages(cursors, (pageCursors) => navigate({ screen: 'exceptions', ...(flow ? { flow } : {}), ...(reason ? { reason } : {}), cursors: pageCursors }));
  const groups = useLoader(() => api.get<{ items: ExceptionGroup[] }>('/exceptions/groups', { status: 'open' }), [], ['exception', 'run']);
  const list = useLoader(
    () => api.get<Page<ExceptionRecord>>('/exceptions', { status: 'open', flow, reason, cursor: pages.cursor, limit: 50 }),
    [flow, reason, pages.cursor],
    ['exception', 'run'],
  );
  useListKeys('exception-list');
  const filteredTotal = countMatching(groups.data?.items ?? [], flow, reason);
  const open = (item: ExceptionRecord) => navigate({ screen: 'exception', id: item.id });

  return (
    <>
      <h1>Exceptions</h1>
      <section class="panel" aria-labelledby="groups-title">
        <h2 id="groups-title">Open, by reason and flow</h2>
        <Notice error={groups.error} loading={groups.loading && !groups.data} stale={Boolean(groups.data)} />
        {groups.data && groups.data.items.length === 0 ? <p class="muted">Nothing needs a person right now.</p> : null}
        {groups.data && groups.data.items.length > 0 ? (
          <table aria-label="Exception groups">
            <thead>
              <tr>
                <th scope="col">Reason</th>
                <th scope="col">Flow</th>
                <th scope="col" class="num">Open</th>
                <th scope="col">Oldest</th>
              </tr>
            </thead>
            <tbody>
              {groups.data.items.map((group) => {
                const selected = group.flowId === flow && group.reason === reason;
                return (
                  <tr key={`${group.flowId}/${group.reason}`} class={selected ? 'selected' : ''}>
                    <td>
                      <a
                        href={routeHref({ screen: 'exceptions', flow: group.flowId, reason: group.reason })}
                        aria-current={selected ? 'true' : undefined}
                        aria-label={`Show ${group.count} ${group.reason} exceptions of ${group.flowId}`}
                      >
                        {group.reason}
                      </a>
                    </td>
                    <td>{group.flowId}</td>
                    <td class="num">{group.count}</td>
                    <td>{formatAge(group.oldestAt, now)} ago</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        ) : null}
      </section>

      <section class="panel" aria-labelledby="list-title">
        <div class="panel-head">
          <h2 id="list-title">
            {flow || reason ? `Open ${reason ?? ''} exceptions${flow ? ` of ${flow}` : ''}` : 'All open exceptions'}, oldest first
          </h2>
          {flow || reason ? (
            <a href={routeHref({ screen: 'exceptions' })} class="button">
              Clear filter
            </a>
          ) : null}
        </div>
        {canOperate(session) ? <BulkActions key={`${flow ?? ''}/${reason ?? ''}`} flow={flow} reason={reason} total={filteredTotal} onDone={() => (groups.reload(), list.reload())} /> : null}
        <Notice error={list.error} loading={list.loading && !list.data} stale={Boolean(list.data)} />
        {list.data && list.data.items.length > 0 ? (
          <table id="exception-list" aria-label="Open exceptions">
            <thead>
              <tr>
                <th scope="col">Age</th>
                <th scope="col">Reason</th>
                <th scope="col">Flow</th>
                <th scope="col">What happened</th>
                <th scope="col">Step</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((item, index) => (
                <tr key={item.id} {...rowKeys(index, () => open(item))} aria-label={`${item.reason}: ${item.message}`}>
                  <td title={formatTime(item.createdAt)}>{formatAge(item.createdAt, now)}</td>
                  <td>{item.reason}</td>
                  <td>{item.flowId}</td>
                  <td>
                    <a href={routeHref({ screen: 'exception', id: item.id })} tabIndex={-1}>
                      {item.message}
                    </a>
                  </td>
                  <td>
                    <code>{item.stepPath ?? '—'}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        {list.data && list.data.items.length === 0 ? <p class="muted">No open exceptions here.</p> : null}
        <Pager label="Exceptions" page={pages.page} hasNext={Boolean(list.data?.nextCursor)} onPrevious={pages.previous} onNext={() => pages.next(list.data?.nextCursor)} />
      </section>
    </>
  );
}

/** The most exceptions one bulk action names (the API's limit): the oldest ones when more match. */
const BULK_LIMIT = 1_000;
const BULK_PAGE = 500;

/** The ids of the open exceptions matching the filter, oldest first, at most BULK_LIMIT; `more` when others match too. */
async function openExceptionIds(api: ApiClient, flow: string | undefined, reason: string | undefined): Promise<{ ids: string[]; more: boolean }> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await api.get<Page<ExceptionRecord>>('/exceptions', { status: 'open', flow, reason, cursor, limit: Math.min(BULK_PAGE, BULK_LIMIT - ids.length) });
    ids.push(...page.items.map((item) => item.id));
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined && ids.length < BULK_LIMIT);
  return { ids, more: cursor !== undefined };
}

function BulkActions({ flow, reason, total, onDone }: { flow?: string | undefined; reason?: string | undefined; total: number; onDone(): void }) {
  const { api } = useConsole();
  const [comment, setComment] = useState('');
  const [job, setJob] = useState<BulkJob>();
  const [notOpen, setNotOpen] = useState(0);
  const [error, setError] = useState<string>();
  const [starting, setStarting] = useState(false);
  // A second click lands before the re-render that disables the buttons: a ref sees the first at once.
  const inFlight = useRef(false);
  const running = starting || (job !== undefined && job.finishedAt === null);
  // Once a job ran, its outcome stays on screen even though the set it worked on is now empty.
  if (total === 0 && job === undefined) return null;

  const start = async (action: 'replay' | 'discard') => {
    if (inFlight.current) return;
    if (action === 'discard' && !comment.trim()) return setError('Say why these are discarded: the comment is kept in the audit log.');
    inFlight.current = true;
    setStarting(true);
    setError(undefined);
    try {
      // The set is read before the dialog opens and sent by id: exactly what the dialog counts.
      // An exception that arrives while the operator reads it is not in the set, and one closed
      // meanwhile is left as it is by the API.
      const { ids, more } = await openExceptionIds(api, flow, reason);
      if (ids.length === 0) {
        setError('No open exceptions match now: nothing to do.');
        onDone();
        return;
      }
      const verb = action === 'replay' ? 'Replay' : 'Discard';
      const which = `open exceptions${flow ? ` of ${flow}` : ''}${reason ? ` (${reason})` : ''}`;
      const question = more
        ? `${verb} the ${ids.length} oldest ${which}? More match: the rest stay open.`
        : `${verb} ${ids.length} ${which}?${ids.length !== total ? ` (The page showed ${total}; ${ids.length} match now.)` : ''}`;
      if (!window.confirm(question)) return;
      const started = await api.post<{ jobId: string; total: number; notOpen: string[] }>('/exceptions/bulk', {
        action,
        ids,
        ...(comment.trim() ? { comment: comment.trim() } : {}),
      });
      setNotOpen(started.notOpen.length);
      let current: BulkJob = { id: started.jobId, action: `exceptions.${action}`, total: started.total, done: 0, failed: 0, finishedAt: null, state: 'running', resumed: false };
      setJob(current);
      while (current.finishedAt === null) {
        await new Promise((resolve) => setTimeout(resolve, 300));
        current = await api.get<BulkJob>(`/jobs/${encodeURIComponent(started.jobId)}`);
        setJob(current);
      }
      onDone();
    } catch (failure) {
      setError((failure as Error).message);
    } finally {
      inFlight.current = false;
      setStarting(false);
    }
  };

  return (
    <div class="bulk" role="group" aria-label="Bulk actions">
      <button type="button" onClick={() => void start('replay')} disabled={running || total === 0}>
        {total > BULK_LIMIT ? `Replay oldest ${BULK_LIMIT}` : `Replay all ${total}`}
      </button>
      <label class="inline">
        Comment
        <input value={comment} onInput={(event) => setComment(event.currentTarget.value)} placeholder="why (required to discard)" />
      </label>
      <button type="button" class="danger" onClick={() => void start('discard')} disabled={running || total === 0}>
        {total > BULK_LIMIT ? `Discard oldest ${BULK_LIMIT}` : `Discard all ${total}`}
      </button>
      {job ? (
        <span class="progress">
          {/* done counts the failed items too: it is the progress. */}
          <progress aria-label="Bulk progress" max={Math.max(1, job.total)} value={job.done} />
          <span aria-live="polite">
            {job.action === 'exceptions.replay' ? 'Replayed' : 'Discarded'} {job.done - job.failed} of {job.total}
            {job.failed ? `, ${job.failed} failed` : ''}
            {job.resumed ? ' (resumed after a restart)' : ''}
            {job.finishedAt !== null ? ' — done' : job.state === 'waiting' ? ' — waiting for a Weft process to take it up' : ''}
            {notOpen ? `; ${notOpen} no longer open, left as ${notOpen === 1 ? 'it was' : 'they were'}` : ''}
          </span>
        </span>
      ) : null}
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}
