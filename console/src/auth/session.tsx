import { createContext, useContext } from 'react';
import type { User } from 'oidc-client-ts';
import type { Api } from '../api/client.ts';
import type { ConsoleConfig } from './auth.ts';

export interface Session {
  config: ConsoleConfig;
  user: User;
  api: Api;
  signOut: () => void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in console');
  return session;
}

export function useApi(): Api {
  return useSession().api;
}
