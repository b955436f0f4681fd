import { Fragment } from 'preact';
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { createApiClient, type Session } from './api-client.ts';
import { ConsoleContextValue, type ConsoleContext } from './console-context.ts';
import { openLiveFeed } from './live-feed.ts';
import { parseRoute, routeHref, type Route } from './router.ts';
import { Audit } from './screens/audit.tsx';
import { Connections } from './screens/connections.tsx';
import { ExceptionDetail } from './screens/exception-detail.tsx';
import { Exceptions } from './screens/exceptions.tsx';
import { Flows } from './screens/flows.tsx';
import { Overview } from './screens/overview.tsx';
import { RunDetail } from './screens/run-detail.tsx';
import { Runs } from './screens/runs.tsx';
import { SignIn } from './screens/sign-in.tsx';
import { Xref } from './screens/xref.tsx';
import { isTyping } from './use-list-keys.ts';

const SESSION_KEY = 'weft.session';

/** Screens in the navigation, with the key that opens each after `g`. */
const NAV: { route: Route; label: string; key: string }[] = [
  { route: { screen: 'overview' }, label: 'Overview', key: 'o' },
  { route: { screen: 'exceptions' }, label: 'Exceptions', key: 'e' },
  { route: { screen: 'runs' }, label: 'Runs', key: 'r' },
  { route: { screen: 'flows' }, label: 'Flows', key: 'f' },
  { route: { screen: 'connections' }, label: 'Connections', key: 'c' },
  { route: { screen: 'xref' }, label: 'Xref', key: 'x' },
  { route: { screen: 'audit' }, label: 'Audit', key: 'a' },
];

function currentRoute(): Route {
  return parseRoute(window.location.pathname, window.location.search);
}

function storedSession(): Session | null {
  // sessionStorage: a closed tab forgets the token; a reload keeps the operator signed in.
  const text = sessionStorage.getItem(SESSION_KEY);
  if (!text) return null;
  try {
    return JSON.parse(text) as Session;
  } catch {
    return null;
  }
}

export function App() {
  const [session, setSession] = useState<Session | null>(storedSession);
  // The API refused the token (expired, revoked): sign in again over the page, which stays as it is.
  const [ended, setEnded] = useState(false);
  const [route, setRoute] = useState<Route>(currentRoute);

  useEffect(() => {
    const onPop = () => setRoute(currentRoute());
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);

  const navigate = useCallback((next: Route) => {
    const href = routeHref(next);
    if (href !== window.location.pathname + window.location.search) window.history.pushState(null, '', href);
    setRoute(next);
    window.scrollTo(0, 0);
  }, []);

  // Same-origin links navigate inside the app; modified clicks still open a new tab.
  useEffect(() => {
    const onClick = (event: MouseEvent) => {
      if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      const anchor = (event.target as Element | null)?.closest?.('a[href]');
      if (!(anchor instanceof HTMLAnchorElement) || anchor.target || anchor.origin !== window.location.origin || anchor.pathname.startsWith('/api/')) return;
      event.preventDefault();
      navigate(parseRoute(anchor.pathname, anchor.search));
    };
    document.addEventListener('click', onClick);
    return () => document.removeEventListener('click', onClick);
  }, [navigate]);

  const signedIn = useCallback((next: Session) => {
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(next));
    setSession(next);
    setEnded(false);
  }, []);
  // Not a sign-out: unmounting the screens would throw away what the operator was doing (an edited input).
  const sessionEnded = useCallback(() => {
    sessionStorage.removeItem(SESSION_KEY);
    setEnded(true);
  }, []);
  const signOut = useCallback(() => {
    sessionStorage.removeItem(SESSION_KEY);
    setSession(null);
    setEnded(false);
  }, []);
  // Signing out also ends an admin session on the server; an API token stays valid (it is revoked with `weft tokens`).
  const signOutEverywhere = useCallback(() => {
    if (session?.kind === 'session' && !ended) void createApiClient(session.token).del('/session').catch(() => {});
    signOut();
  }, [session, ended, signOut]);

  if (!session) return <SignIn onSignedIn={signedIn} />;
  return (
    <>
      <SignedIn session={session} route={route} navigate={navigate} onSessionEnded={sessionEnded} signOut={signOut} signOutEverywhere={signOutEverywhere} inert={ended} />
      {ended ? <SignIn onSignedIn={signedIn} sessionEnded /> : null}
    </>
  );
}

interface SignedInProps {
  session: Session;
  route: Route;
  navigate(route: Route): void;
  onSessionEnded(): void;
  signOut(): void;
  signOutEverywhere(): void;
  /** Behind the sign-in dialog: kept on screen, out of reach until the operator is back. */
  inert: boolean;
}

function SignedIn({ session, route, navigate, onSessionEnded, signOut, signOutEverywhere, inert }: SignedInProps) {
  const api = useMemo(() => createApiClient(session.token, onSessionEnded), [session.token, onSessionEnded]);
  // A refused stream may mean the session ended: any API call then answers 401, which asks to sign in again.
  const live = useMemo(() => openLiveFeed(api.streamUrl('/stream'), { onRefused: () => void api.get('/me').catch(() => {}) }), [api]);
  const [isLive, setLive] = useState(false);
  const [showHelp, setShowHelp] = useState(false);
  useEffect(() => {
    const stop = live.onStatus(setLive);
    return () => {
      stop();
      live.close();
    };
  }, [live]);
  useShortcuts(navigate, () => setShowHelp((shown) => !shown), !inert);
  const context: ConsoleContext = useMemo(() => ({ session, api, live, navigate, signOut }), [session, api, live, navigate, signOut]);
  const active = route.screen === 'exception' ? 'exceptions' : route.screen === 'run' ? 'runs' : route.screen;

  return (
    <ConsoleContextValue.Provider value={context}>
      <a class="skip" href="#main" inert={inert} onClick={(event) => (event.preventDefault(), document.getElementById('main')?.focus())}>
        Skip to content
      </a>
      <div class="shell" inert={inert}>
        <header class="sidebar">
          <div class="sidebar-inner">
            <div class="brand">Weft</div>
            <nav aria-label="Screens">
              <ul>
                {NAV.map((item) => (
                  <li key={item.key}>
                    <a href={routeHref(item.route)} aria-current={active === item.route.screen ? 'page' : undefined} aria-keyshortcuts={`g ${item.key}`}>
                      {item.label}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
            <div class="who">
              <span class={`live ${isLive ? 'on' : 'off'}`} role="status" aria-label={isLive ? 'Live updates on' : 'Live updates reconnecting'}>
                {isLive ? 'live' : 'reconnecting'}
              </span>
              <span>
                {session.name} <span class="muted">({session.role})</span>
              </span>
              <button type="button" onClick={() => setShowHelp(true)} aria-keyshortcuts="?">
                Shortcuts
              </button>
              <button type="button" onClick={signOutEverywhere}>
                Sign out
              </button>
            </div>
          </div>
        </header>
        <main id="main" tabIndex={-1}>
          <Screen route={route} />
        </main>
      </div>
      {showHelp ? <ShortcutHelp onClose={() => setShowHelp(false)} /> : null}
    </ConsoleContextValue.Provider>
  );
}

function Screen({ route }: { route: Route }) {
  switch (route.screen) {
    case 'overview':
      return <Overview />;
    case 'exceptions':
      return <Exceptions {...route} />;
    case 'exception':
      return <ExceptionDetail id={route.id} />;
    case 'runs':
      return <Runs {...route} />;
    case 'run':
      return <RunDetail id={route.id} />;
    case 'flows':
      return <Flows />;
    case 'connections':
      return <Connections />;
    case 'xref':
      return <Xref />;
    case 'audit':
      return <Audit {...route} />;
    case 'not-found':
      return (
        <>
          <h1>Not found</h1>
          <p>
            Nothing lives at <code>{route.path}</code>. <a href="/">Back to the overview</a>.
          </p>
        </>
      );
  }
}

/** How long a `g` waits for its letter: a letter typed much later is not meant as a screen. */
const CHORD_TIMEOUT_MS = 1_500;

/** `/` focuses the screen's search, `g` + letter opens a screen, `?` lists the keys. */
function useShortcuts(navigate: (route: Route) => void, toggleHelp: () => void, enabled: boolean) {
  useEffect(() => {
    if (!enabled) return;
    let awaitingScreen = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const disarm = () => {
      awaitingScreen = false;
      clearTimeout(timer);
    };
    const onKey = (event: KeyboardEvent) => {
      // A key typed into a field ends a `g` pressed before it: the letter after is not its second half.
      if (isTyping(event.target) || event.metaKey || event.ctrlKey || event.altKey) return disarm();
      if (awaitingScreen) {
        disarm();
        const item = NAV.find((nav) => nav.key === event.key);
        if (item) {
          event.preventDefault();
          navigate(item.route);
        }
        return;
      }
      if (event.key === '/') {
        const search = document.querySelector<HTMLInputElement>('[data-search]');
        if (search) {
          event.preventDefault();
          search.focus();
        }
      } else if (event.key === 'g') {
        awaitingScreen = true;
        timer = setTimeout(disarm, CHORD_TIMEOUT_MS);
      } else if (event.key === '?') {
        toggleHelp();
      }
    };
    // Focus moved into a field (a click, Tab): whatever is typed next is text, and so is what follows it.
    const onFocus = (event: FocusEvent) => {
      if (isTyping(event.target)) disarm();
    };
    window.addEventListener('keydown', onKey);
    window.addEventListener('focusin', onFocus);
    return () => {
      disarm();
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('focusin', onFocus);
    };
  }, [navigate, toggleHelp, enabled]);
}

function ShortcutHelp({ onClose }: { onClose(): void }) {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => event.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  return (
    <div class="overlay" role="dialog" aria-modal="true" aria-labelledby="help-title">
      <div class="dialog">
        <h2 id="help-title">Keyboard shortcuts</h2>
        <dl class="keys">
          <dt>
            <kbd>/</kbd>
          </dt>
          <dd>search on this screen</dd>
          <dt>
            <kbd>j</kbd> <kbd>k</kbd>
          </dt>
          <dd>next / previous row</dd>
          <dt>
            <kbd>Enter</kbd>
          </dt>
          <dd>open the focused row</dd>
          {NAV.map((item) => (
            <Fragment key={item.key}>
              <dt>
                <kbd>g</kbd> <kbd>{item.key}</kbd>
              </dt>
              <dd>{item.label}</dd>
            </Fragment>
          ))}
          <dt>
            <kbd>?</kbd>
          </dt>
          <dd>this list</dd>
        </dl>
        <button type="button" autoFocus onClick={onClose}>
          Close
        </button>
      </div>
    </div>
  );
}
