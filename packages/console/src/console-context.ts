import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { ApiClient, Session } from './api-client.ts';
import type { Route } from './router.ts';
import type { LiveFeed } from './live-feed.ts';

/** What every screen needs: who is signed in, the API as them, navigation and the live feed. */
export interface ConsoleContext {
  session: Session;
  api: ApiClient;
  live: LiveFeed;
  navigate(route: Route): void;
  signOut(): void;
}

export const ConsoleContextValue = createContext<ConsoleContext | null>(null);

export function useConsole(): ConsoleContext {
  const context = useContext(ConsoleContextValue);
  if (!context) throw new Error('useConsole outside the signed-in console');
  return context;
}

export function canOperate(session: Session): boolean {
  return session.role === 'operator' || session.role === 'admin';
}
