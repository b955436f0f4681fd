/**
 * History-API routing: real paths (`/exceptions/exc_…`) so a link can be shared and the engine's
 * SPA fallback serves index.html for any of them.
 */
export type Route =
  | { screen: 'overview' }
  | { screen: 'exceptions'; flow?: string; reason?: string; cursors?: string[] }
  | { screen: 'exception'; id: string }
  | { screen: 'runs'; flow?: string; status?: string; q?: string; cursors?: string[] }
  | { screen: 'run'; id: string }
  | { screen: 'flows' }
  | { screen: 'connections' }
  | { screen: 'xref' }
  | { screen: 'audit'; actor?: string; action?: string; cursors?: string[] }
  | { screen: 'not-found'; path: string };

/**
 * A list's page in the URL: the `nextCursor` of every page before it, oldest first (one `cursor`
 * parameter each), so page n + 1 has n cursors. The whole chain, not only the last one: Back,
 * a reload or a shared link lands on the same page, and "previous" still works there.
 */
export type PageCursors = string[];

export function parseRoute(pathname: string, search: string): Route {
  const params = new URLSearchParams(search);
  const optional = (name: string) => params.get(name) ?? undefined;
  const cursors = () => {
    const all = params.getAll('cursor').filter(Boolean);
    return all.length > 0 ? all : undefined;
  };
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const [first, second] = parts;
  if (parts.length === 0) return { screen: 'overview' };
  if (first === 'exceptions' && second) return { screen: 'exception', id: second };
  if (first === 'exceptions') return strip({ screen: 'exceptions', flow: optional('flow'), reason: optional('reason'), cursors: cursors() });
  if (first === 'runs' && second) return { screen: 'run', id: second };
  if (first === 'runs') return strip({ screen: 'runs', flow: optional('flow'), status: optional('status'), q: optional('q'), cursors: cursors() });
  if (parts.length === 1 && first === 'audit') return strip({ screen: 'audit', actor: optional('actor'), action: optional('action'), cursors: cursors() });
  if (parts.length === 1 && (first === 'flows' || first === 'connections' || first === 'xref')) return { screen: first };
  return { screen: 'not-found', path: pathname };
}

function strip<T extends object>(route: T): T {
  return Object.fromEntries(Object.entries(route).filter(([, value]) => value !== undefined)) as T;
}

export function routeHref(route: Route): string {
  const query = (values: Record<string, string | undefined>, cursors: PageCursors = []) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(values)) if (value) params.set(key, value);
    for (const cursor of cursors) params.append('cursor', cursor);
    const text = params.toString();
    return text ? `?${text}` : '';
  };
  switch (route.screen) {
    case 'overview':
      return '/';
    case 'exceptions':
      return `/exceptions${query({ flow: route.flow, reason: route.reason }, route.cursors)}`;
    case 'exception':
      return `/exceptions/${encodeURIComponent(route.id)}`;
    case 'runs':
      return `/runs${query({ flow: route.flow, status: route.status, q: route.q }, route.cursors)}`;
    case 'run':
      return `/runs/${encodeURIComponent(route.id)}`;
    case 'audit':
      return `/audit${query({ actor: route.actor, action: route.action }, route.cursors)}`;
    case 'not-found':
      return route.path;
    default:
      return `/${route.screen}`;
  }
}
