import type { Context } from 'koa';
import type { Db } from '../db/database.ts';
import { isGrantLive } from '../grants/grant.repository.ts';
import { pageContext } from '../pages/page-context.ts';
import type { SignedValues } from '../secrets/signed-cookie.ts';

/**
 * The account page's own sign-in: a signed cookie naming the person, bound to the grant its code exchange ran
 * under. The grant is Sesame's record that the sign-in stands: ending every session of the account (a password
 * reset or change, suspension, src/users/user-sessions.service.ts) removes it, and the cookie stops working at once.
 */
export interface AccountSession {
  sub: string;
  /** Binds the page's forms (CSRF) to this sign-in. */
  sid: string;
  /** The ID token, as id_token_hint when the person signs out. */
  idt: string;
  /** The grant of the account page's sign-in. */
  grant: string;
  /** When the person signed in (the ID token's auth_time): changes to second factors ask for a recent one. */
  at?: number;
}

export const sessionCookie = 'sesame.account';
export const sessionTtl = 3600;

export function setAccountCookie(ctx: Context, name: string, value: string | null, maxAge?: number): void {
  ctx.cookies.set(name, value, { path: '/account', httpOnly: true, sameSite: 'lax', secure: ctx.secure, maxAge: maxAge && maxAge * 1000, overwrite: true });
}

/** The signed-in person of this request, while their sign-in's grant stands. */
export async function readAccountSession(db: Db, cookies: SignedValues, ctx: Context): Promise<AccountSession | undefined> {
  const session = cookies.verify<AccountSession>(ctx.cookies.get(sessionCookie));
  if (!session || typeof session.grant !== 'string' || typeof session.sub !== 'string') return undefined;
  return await isGrantLive(db, session.grant) ? session : undefined;
}

/** The account page's forms are bound to its session, as an interaction's are to the interaction. */
export const accountCsrfSubject = (session: AccountSession) => `account:${session.sid}`;

export const accountPageContext = (ctx: Context) => pageContext(ctx, ctx.query.ui_locales);
