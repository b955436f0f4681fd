import { useState } from 'preact/hooks';
import type { Page, XrefEntry } from '../api-types.ts';
import { Notice } from '../components/notice.tsx';
import { Pager } from '../components/pager.tsx';
import { useConsole } from '../console-context.ts';
import { formatTime } from '../format.ts';
import { useCursorPages } from '../use-cursor-pages.ts';
import { useLoader } from '../use-loader.ts';

/** Which record in one system is which record in another (filled as commerce flows record them). */
export function Xref() {
  const { api } = useConsole();
  const pages = useCursorPages();
  const [entity, setEntity] = useState('');
  const [q, setQ] = useState('');
  const [applied, setApplied] = useState({ entity: '', q: '' });
  const xref = useLoader(() => api.get<Page<XrefEntry>>('/xref', { entity: applied.entity, q: applied.q, cursor: pages.cursor }), [applied, pages.cursor]);
  const items = xref.data?.items ?? [];
  // A column per system any listed record has an id in; the row's own fields stand apart, under
  // headers of their own, so a system may be named like them ("entity").
  const systems = [...new Set(items.flatMap((item) => Object.keys(item.links)))];
  return (
    <>
      <h1>Cross-references</h1>
      <form
        class="filters"
        role="search"
        aria-label="Search cross-references"
        onSubmit={(event) => {
          event.preventDefault();
          pages.reset();
          setApplied({ entity: entity.trim(), q: q.trim() });
        }}
      >
        <label class="inline">
          Entity
          <input value={entity} placeholder="customer, order, product…" onInput={(event) => setEntity(event.currentTarget.value)} />
        </label>
        <label class="inline grow">
          Search cross-references
          <input type="search" data-search value={q} placeholder="an id in any system  ( / )" onInput={(event) => setQ(event.currentTarget.value)} />
        </label>
        <button type="submit">Search</button>
      </form>
      <Notice error={xref.error} loading={xref.loading && !xref.data} />
      {xref.data && items.length === 0 ? <p class="muted">No cross-references{applied.q || applied.entity ? ' match' : ' yet: flows record them as they link records across systems'}.</p> : null}
      {items.length > 0 ? (
        <table aria-label="Cross-references">
          <thead>
            <tr>
              <th scope="col" rowSpan={2}>
                Entity
              </th>
              <th scope="colgroup" colSpan={systems.length}>
                Id by system
              </th>
              <th scope="col" rowSpan={2}>
                Last linked
              </th>
            </tr>
            <tr>
              {systems.map((system) => (
                <th key={system} scope="col">
                  {system}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {items.map((item, index) => (
              <tr key={index}>
                <td>{item.entity}</td>
                {systems.map((system) => (
                  <td key={system}>{item.links[system] ?? '—'}</td>
                ))}
                <td>{formatTime(Date.parse(item.linkedAt))}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <Pager label="Cross-references" page={pages.page} hasNext={Boolean(xref.data?.nextCursor)} onPrevious={pages.previous} onNext={() => pages.next(xref.data?.nextCursor)} />
    </>
  );
}
