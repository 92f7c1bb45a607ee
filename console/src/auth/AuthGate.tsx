import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { User, UserManager } from 'oidc-client-ts';
import { createApi } from '../api/client.ts';
import { currentPath, navigate } from '../router.tsx';
import { Loading } from '../ui/states.tsx';
import { createUserManager, displayName, isAdminSession, loadConfig, type ConsoleConfig } from './auth.ts';
import { SessionContext, type Session } from './session.tsx';

type State =
  | { kind: 'starting' }
  | { kind: 'signed-out' }
  | { kind: 'failed'; message: string }
  | { kind: 'not-admin'; user: User }
  | { kind: 'signed-in'; user: User };

const signedOutFlag = 'sesame-console.signed-out';

/**
 * Signs the admin in before anything else renders. A visit without a session goes straight to Sesame's
 * sign-in (silent when the Sesame session is still there), except right after signing out.
 */
export function AuthGate({ children }: { children: ReactNode }) {
  const [config, setConfig] = useState<ConsoleConfig>();
  const [state, setState] = useState<State>({ kind: 'starting' });
  const manager = useRef<UserManager>(undefined);

  const signIn = useCallback(async () => {
    window.sessionStorage.removeItem(signedOutFlag);
    const returnTo = currentPath() === '/callback' ? '/applications' : currentPath() + window.location.search;
    await manager.current!.signinRedirect({ state: { returnTo } });
  }, []);

  const signOut = useCallback(async () => {
    const user = await manager.current!.getUser();
    window.sessionStorage.setItem(signedOutFlag, '1');
    await manager.current!.removeUser();
    await manager.current!.signoutRedirect({ id_token_hint: user?.id_token });
  }, []);

  useEffect(() => {
    let cancelled = false;
    (async () => {
      const loaded = await loadConfig();
      if (cancelled) return;
      setConfig(loaded);
      manager.current = createUserManager(loaded);
      if (currentPath() === '/callback') {
        const user = await manager.current.signinRedirectCallback();
        const returnTo = (user.state as { returnTo?: string } | undefined)?.returnTo ?? '/applications';
        navigate(returnTo === '/' ? '/applications' : returnTo, { replace: true, force: true });
        setState(isAdminSession(user) ? { kind: 'signed-in', user } : { kind: 'not-admin', user });
        return;
      }
      const user = await manager.current.getUser();
      if (user && !user.expired) {
        setState(isAdminSession(user) ? { kind: 'signed-in', user } : { kind: 'not-admin', user });
      } else if (window.sessionStorage.getItem(signedOutFlag)) {
        setState({ kind: 'signed-out' });
      } else {
        await signIn();
      }
    })().catch((error: unknown) => {
      if (!cancelled) setState({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
    });
    return () => { cancelled = true; };
  }, [signIn]);

  const user = state.kind === 'signed-in' ? state.user : undefined;
  const session = useMemo<Session | null>(() => {
    if (!config || !user) return null;
    const api = createApi(config.managementApi, {
      token: () => user.access_token,
      onUnauthorized: () => { void signIn(); },
      onForbidden: (code) => {
        if (code === 'auth.not_admin' || code === 'auth.insufficient_scope' || code === 'auth.access_withdrawn') setState({ kind: 'not-admin', user });
      },
    });
    return { config, user, api, signOut: () => { void signOut(); } };
  }, [config, user, signIn, signOut]);

  if (state.kind === 'starting') return <Loading label="Signing you in…" />;
  if (state.kind === 'signed-out') {
    return (
      <CenteredCard title="You are signed out">
        <p>Sign in again to manage Sesame.</p>
        <button type="button" onClick={() => { void signIn(); }}>Sign in</button>
      </CenteredCard>
    );
  }
  if (state.kind === 'failed') {
    return (
      <CenteredCard title="Sign-in did not complete">
        <p role="alert">{state.message}</p>
        <button type="button" onClick={() => { window.location.assign(import.meta.env.BASE_URL); }}>Try again</button>
      </CenteredCard>
    );
  }
  if (state.kind === 'not-admin') {
    return (
      <CenteredCard title="You are not an admin">
        <p>
          You are signed in as <strong>{displayName(state.user)}</strong>, but the Sesame console is only for
          administrators. Ask an administrator of this Sesame to give you the admin role, or sign in with another account.
        </p>
        <button type="button" onClick={() => { void signOut(); }}>Sign out</button>
      </CenteredCard>
    );
  }
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

function CenteredCard({ title, children }: { title: string; children: ReactNode }) {
  return (
    <main className="centered">
      <div className="card centered-card">
        <p className="brand-mark" aria-hidden="true">S</p>
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}
