import { useState } from 'preact/hooks';
import type { Page, XrefEntry } from '../api-types.ts';
import { Notice } from '../components/notice.tsx';
import { Pager } from '../components/pager.tsx';
import { useConsole } from '../console-context.ts';
import { useCursorPages } from '../use-cursor-pages.ts';
import { useLoader } from '../use-loader.ts';

function cell(value: unknown): string {
  if (value === null || value === undefined) return '—';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** Which record in one system is which record in another (filled as commerce flows record them). */
export function Xref() {
  const { api } = useConsole();
  const pages = useCursorPages();
  const [entity, setEntity] = useState('');
  const [q, setQ] = useState('');
  const [applied, setApplied] = useState({ entity: '', q: '' });
  const xref = useLoader(() => api.get<Page<XrefEntry>>('/xref', { entity: applied.entity, q: applied.q, cursor: pages.cursor }), [applied, pages.cursor]);
  const items = xref.data?.items ?? [];
  const columns = [...new Set(items.flatMap((item) => Object.keys(item)))];
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
              {columns.map((column) => (
                <th key={column} scope="col">
                  {column}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {items.map((item, index) => (
              <tr key={index}>
                {columns.map((column) => (
                  <td key={column}>{cell(item[column])}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <Pager label="Cross-references" page={pages.page} hasNext={Boolean(xref.data?.nextCursor)} onPrevious={pages.previous} onNext={() => pages.next(xref.data?.nextCursor)} />
    </>
  );
}
