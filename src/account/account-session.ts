import type { Context } from 'koa';
import type { Provider } from 'oidc-provider';
import { browserSession } from '../oidc/browser-session.ts';
import { pageContext } from '../pages/page-context.ts';
import type { SignedValues } from '../secrets/signed-cookie.ts';

/**
 * The account page's own sign-in: a signed cookie naming the person. The account page signs in through Sesame, so
 * it is signed in only while this browser's Sesame session stands for the same person: a session ended anywhere
 * (on another device, "sign out everywhere", a password changed, reset or set, suspension: src/sessions/) signs
 * the account page out with it, at once.
 */
export interface AccountSession {
  sub: string;
  /** Binds the page's forms (CSRF) to this sign-in. */
  sid: string;
  /** The ID token, as id_token_hint when the person signs out. */
  idt: string;
  /** When the person signed in (the ID token's auth_time): changes to second factors ask for a recent one. */
  at?: number;
}

/** The account page's sign-in while it stands, with the Sesame session of this browser. */
export interface LiveAccountSession extends AccountSession {
  /** The uid of this browser's Sesame session ("This device" in the sessions list). */
  sessionUid: string;
}

export const sessionCookie = 'sesame.account';
export const sessionTtl = 3600;

export function setAccountCookie(ctx: Context, name: string, value: string | null, maxAge?: number): void {
  ctx.cookies.set(name, value, { path: '/account', httpOnly: true, sameSite: 'lax', secure: ctx.secure, maxAge: maxAge && maxAge * 1000, overwrite: true });
}

/** What the account page's cookie says, whether or not the sign-in still stands (signing out needs only that). */
export function accountCookie(cookies: SignedValues, ctx: Context): AccountSession | undefined {
  const session = cookies.verify<AccountSession>(ctx.cookies.get(sessionCookie));
  return session && typeof session.sub === 'string' && typeof session.sid === 'string' ? session : undefined;
}

/** The signed-in person of this request, while this browser's Sesame session stands for them. */
export async function readAccountSession(provider: Provider, cookies: SignedValues, ctx: Context): Promise<LiveAccountSession | undefined> {
  const account = accountCookie(cookies, ctx);
  if (!account) return undefined;
  const session = await browserSession(provider, ctx);
  return session && session.accountId === account.sub ? { ...account, sessionUid: session.uid } : undefined;
}

/** The account page's forms are bound to its session, as an interaction's are to the interaction. */
export const accountCsrfSubject = (session: AccountSession) => `account:${session.sid}`;

export const accountPageContext = (ctx: Context) => pageContext(ctx, ctx.query.ui_locales);
