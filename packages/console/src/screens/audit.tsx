import { useEffect, useState } from 'preact/hooks';
import type { AuditEntry, Page } from '../api-types.ts';
import { Notice } from '../components/notice.tsx';
import { Pager } from '../components/pager.tsx';
import { useConsole } from '../console-context.ts';
import { formatTime } from '../format.ts';
import { routePages } from '../route-pages.ts';
import type { PageCursors } from '../router.ts';
import { useLoader } from '../use-loader.ts';

/**
 * Who did what, when: every operator and admin action the API carried out. The applied search and
 * the page are in the URL, so Back, a reload or a shared link shows the same entries.
 */
export function Audit({ actor: appliedActor = '', action: appliedAction = '', cursors }: { actor?: string; action?: string; cursors?: PageCursors }) {
  const { api, navigate } = useConsole();
  const [actor, setActor] = useState(appliedActor);
  const [action, setAction] = useState(appliedAction);
  // Back or a link to another search: the fields show the search that is applied.
  useEffect(() => setActor(appliedActor), [appliedActor]);
  useEffect(() => setAction(appliedAction), [appliedAction]);
  const search = (next: { actor: string; action: string }, pageCursors: PageCursors = []) =>
    navigate({ screen: 'audit', ...(next.actor ? { actor: next.actor } : {}), ...(next.action ? { action: next.action } : {}), ...(pageCursors.length > 0 ? { cursors: pageCursors } : {}) });
  const applied = { actor: appliedActor, action: appliedAction };
  const pages = routePages(cursors, (pageCursors) => search(applied, pageCursors));
  const audit = useLoader(() => api.get<Page<AuditEntry>>('/audit', { actor: applied.actor, action: applied.action, cursor: pages.cursor, limit: 50 }), [applied.actor, applied.action, pages.cursor], ['exception'], 2_000);
  return (
    <>
      <h1>Audit</h1>
      <form
        class="filters"
        role="search"
        aria-label="Search the audit log"
        onSubmit={(event) => {
          event.preventDefault();
          search({ actor: actor.trim(), action: action.trim() });
        }}
      >
        <label class="inline">
          Actor
          <input type="search" data-search value={actor} placeholder="token name or admin  ( / )" onInput={(event) => setActor(event.currentTarget.value)} />
        </label>
        <label class="inline">
          Action
          <input value={action} placeholder="exception.replay…" onInput={(event) => setAction(event.currentTarget.value)} />
        </label>
        <button type="submit">Search</button>
      </form>
      <Notice error={audit.error} loading={audit.loading && !audit.data} stale={Boolean(audit.data)} />
      {audit.data && audit.data.items.length === 0 ? <p class="muted">No actions recorded{applied.actor || applied.action ? ' match' : ' yet'}.</p> : null}
      {audit.data && audit.data.items.length > 0 ? (
        <table aria-label="Audit log">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">Role</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {audit.data.items.map((entry, index) => (
              <tr key={index}>
                <td>{formatTime(entry.at)}</td>
                <td>{entry.actor}</td>
                <td>{entry.role}</td>
                <td>
                  <code>{entry.action}</code>
                </td>
                <td>
                  <code>{entry.target}</code>
                </td>
                <td class="clip">{entry.detail === undefined || entry.detail === null ? '' : typeof entry.detail === 'string' ? entry.detail : JSON.stringify(entry.detail)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <Pager label="Audit" page={pages.page} hasNext={Boolean(audit.data?.nextCursor)} onPrevious={pages.previous} onNext={() => pages.next(audit.data?.nextCursor)} />
    </>
  );
}
