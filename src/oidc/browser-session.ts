import type { Context } from 'koa';
import type { Provider } from 'oidc-provider';

/** The Sesame session a browser holds: its stable `uid` and who is signed in. */
export interface BrowserSession {
  uid: string;
  accountId: string;
}

/**
 * The signed-in Sesame session of the browser making a request to one of Sesame's own pages (same origin as
 * oidc-provider's session cookie), read through oidc-provider: its signed cookie, its session. Undefined when the
 * browser holds none, or one that ended (signed out elsewhere, expired).
 */
export async function browserSession(provider: Provider, ctx: Context): Promise<BrowserSession | undefined> {
  const session = await provider.Session.get(ctx as never);
  const { uid, accountId } = session as { uid?: unknown; accountId?: unknown };
  return typeof uid === 'string' && typeof accountId === 'string' && accountId ? { uid, accountId } : undefined;
}
