import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseRoute, routeHref, type Route } from './router.ts';

describe('console routes', () => {
  it('round-trips every screen through its path', () => {
    const routes: Route[] = [
      { screen: 'overview' },
      { screen: 'exceptions' },
      { screen: 'exceptions', flow: 'shop orders', reason: 'validation' },
      { screen: 'exception', id: 'exc_1' },
      { screen: 'exceptions', flow: 'orders', cursors: ['WyJleGNlcHRpb25zIl0'] },
      { screen: 'runs', status: 'exception', q: '5000019' },
      { screen: 'runs', flow: 'orders', cursors: ['WyJydW5zIiw1MF0', 'WyJydW5zIiwxMDBd'] },
      { screen: 'run', id: 'run_01/x' },
      { screen: 'flows' },
      { screen: 'connections' },
      { screen: 'xref' },
      { screen: 'audit' },
      { screen: 'audit', actor: 'ops ann', action: 'exception.replay', cursors: ['WyJhdWRpdCIsNTBd'] },
    ];
    for (const route of routes) {
      const url = new URL(routeHref(route), 'http://console');
      assert.deepEqual(parseRoute(url.pathname, url.search), route);
    }
  });

  it('names an unknown path instead of guessing a screen', () => {
    assert.deepEqual(parseRoute('/nope/deeper', ''), { screen: 'not-found', path: '/nope/deeper' });
  });
});
