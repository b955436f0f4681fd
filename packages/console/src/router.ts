/**
 * History-API routing: real paths (`/exceptions/exc_…`) so a link can be shared and the engine's
 * SPA fallback serves index.html for any of them.
 */
export type Route =
  | { screen: 'overview' }
  | { screen: 'exceptions'; flow?: string; reason?: string }
  | { screen: 'exception'; id: string }
  | { screen: 'runs'; flow?: string; status?: string; q?: string }
  | { screen: 'run'; id: string }
  | { screen: 'flows' }
  | { screen: 'connections' }
  | { screen: 'xref' }
  | { screen: 'audit' }
  | { screen: 'not-found'; path: string };

export function parseRoute(pathname: string, search: string): Route {
  const params = new URLSearchParams(search);
  const optional = (name: string) => params.get(name) ?? undefined;
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const [first, second] = parts;
  if (parts.length === 0) return { screen: 'overview' };
  if (first === 'exceptions' && second) return { screen: 'exception', id: second };
  if (first === 'exceptions') return strip({ screen: 'exceptions', flow: optional('flow'), reason: optional('reason') });
  if (first === 'runs' && second) return { screen: 'run', id: second };
  if (first === 'runs') return strip({ screen: 'runs', flow: optional('flow'), status: optional('status'), q: optional('q') });
  if (parts.length === 1 && (first === 'flows' || first === 'connections' || first === 'xref' || first === 'audit')) return { screen: first };
  return { screen: 'not-found', path: pathname };
}

function strip<T extends object>(route: T): T {
  return Object.fromEntries(Object.entries(route).filter(([, value]) => value !== undefined)) as T;
}

export function routeHref(route: Route): string {
  const query = (values: Record<string, string | undefined>) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(values)) if (value) params.set(key, value);
    const text = params.toString();
    return text ? `?${text}` : '';
  };
  switch (route.screen) {
    case 'overview':
      return '/';
    case 'exceptions':
      return `/exceptions${query({ flow: route.flow, reason: route.reason })}`;
    case 'exception':
      return `/exceptions/${encodeURIComponent(route.id)}`;
    case 'runs':
      return `/runs${query({ flow: route.flow, status: route.status, q: route.q })}`;
    case 'run':
      return `/runs/${encodeURIComponent(route.id)}`;
    case 'not-found':
      return route.path;
    default:
      return `/${route.screen}`;
  }
}
