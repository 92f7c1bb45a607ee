import { createHash, randomBytes } from 'node:crypto';
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context } from 'koa';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { findApplication } from '../apps/app.repository.ts';
import { requestOrigin } from '../http/request-origin.ts';
import type { Db } from '../db/database.ts';
import { isStorableText } from '../db/text.ts';
import type { CsrfTokens } from '../interaction/csrf.ts';
import { oidcRoutes } from '../oidc/provider.ts';
import { accountPage } from '../pages/account.page.ts';
import { pageContext } from '../pages/page-context.ts';
import { sendErrorPage, sendPage } from '../pages/send-page.ts';
import { findUserById } from '../users/user.repository.ts';
import { accountClientId, accountClientSecret, accountRedirectUri } from './account-client.ts';
import { connectedApps } from './connected-apps.ts';
import type { SignedValues } from '../secrets/signed-cookie.ts';
import { revokeAppAccess } from '../grants/grant.service.ts';
import type { Provider } from 'oidc-provider';
import { listAccountSessions } from '../sessions/session.service.ts';
import { liveAccount, mountAccountSessionRoutes, sessionsNotice } from './account-sessions.routes.ts';

export interface AccountDeps {
  db: Db;
  issuer: string;
  /** Where this node reaches its own endpoints (loopback), for the code exchange. */
  internalUrl: string;
  masterSecret: string;
  csrf: CsrfTokens;
  cookies: SignedValues;
  /** The node's provider: the account page is signed in only while this browser's Sesame session is. */
  provider: () => Provider;
}

interface AccountSession { sub: string; sid: string; idt: string }
interface SignInFlow { state: string; nonce: string; verifier: string }

const sessionCookie = 'sesame.account';
const flowCookie = 'sesame.account.flow';
const sessionTtl = 3600;

const accountPageContext = (ctx: Context) => pageContext(ctx, ctx.query.ui_locales);

function setCookie(ctx: Context, name: string, value: string | null, maxAge?: number) {
  ctx.cookies.set(name, value, { path: '/account', httpOnly: true, sameSite: 'lax', secure: ctx.secure, maxAge: maxAge && maxAge * 1000, overwrite: true });
}

/** The account page is an app like any other: it signs the person in through Sesame's authorization endpoint. */
export function accountRoutes(deps: AccountDeps): Router {
  const router = new Router({ prefix: '/account' });
  const form = bodyParser({ enableTypes: ['form'], formLimit: '4kb' });
  const jwks = createRemoteJWKSet(new URL(`${deps.internalUrl}${oidcRoutes.jwks}`));
  const cookieSession = (ctx: Context) => deps.cookies.verify<AccountSession>(ctx.cookies.get(sessionCookie));
  const signedIn = (ctx: Context) => liveAccount(deps.provider(), ctx, cookieSession(ctx));
  // The account page's forms are bound to its session, as an interaction's are to the interaction.
  const csrfSubject = (s: AccountSession) => `account:${s.sid}`;
  const clientCredentials = Buffer.from(`${accountClientId}:${accountClientSecret(deps.masterSecret)}`).toString('base64');

  router.get('/', async function showAccount(ctx) {
    const live = await signedIn(ctx);
    const current = live?.account;
    const user = current && await findUserById(deps.db, current.sub);
    if (!live || !current || !user || user.suspended) {
      setCookie(ctx, sessionCookie, null);
      return ctx.redirect('/account/login');
    }
    const { locale, t, brand } = accountPageContext(ctx);
    const apps = await connectedApps(deps.db, user.id, t);
    const revoked = typeof ctx.query.revoked === 'string' && isStorableText(ctx.query.revoked)
      ? await findApplication(deps.db, ctx.query.revoked) : undefined;
    const sessions = await listAccountSessions(deps.db, user.id, live.sessionUid);
    sendPage(ctx, accountPage({
      t, locale, brand, user, apps, sessions, csrf: deps.csrf.issue(csrfSubject(current)),
      notice: revoked ? t('account.revoked', { app: revoked.display_name ?? revoked.name }) : sessionsNotice(ctx),
    }));
  });

  router.get('/login', async function startSignIn(ctx) {
    const flow: SignInFlow = { state: randomBytes(16).toString('base64url'), nonce: randomBytes(16).toString('base64url'), verifier: randomBytes(32).toString('base64url') };
    setCookie(ctx, flowCookie, deps.cookies.sign(flow, 600), 600);
    const url = new URL(`${deps.issuer}${oidcRoutes.authorization}`);
    url.search = new URLSearchParams({
      client_id: accountClientId,
      response_type: 'code',
      redirect_uri: accountRedirectUri(deps.issuer),
      scope: 'openid profile email',
      state: flow.state,
      nonce: flow.nonce,
      code_challenge: createHash('sha256').update(flow.verifier).digest('base64url'),
      code_challenge_method: 'S256',
      ...(typeof ctx.query.ui_locales === 'string' ? { ui_locales: ctx.query.ui_locales } : {}),
    }).toString();
    ctx.redirect(url.toString());
  });

  router.get('/callback', async function finishSignIn(ctx) {
    const page = accountPageContext(ctx);
    const expired = () => sendErrorPage(ctx, page, page.t('error.expired'), 400);
    const flow = deps.cookies.verify<SignInFlow>(ctx.cookies.get(flowCookie));
    setCookie(ctx, flowCookie, null);
    const { code, state, error } = ctx.query;
    if (!flow || typeof state !== 'string' || state !== flow.state || typeof code !== 'string' || error) return expired();
    const response = await fetch(`${deps.internalUrl}${oidcRoutes.token}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${clientCredentials}`,
      },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: accountRedirectUri(deps.issuer), code_verifier: flow.verifier }),
    });
    const tokens = await response.json() as { id_token?: string };
    if (!response.ok || !tokens.id_token) return expired();
    const { payload } = await jwtVerify(tokens.id_token, jwks, { issuer: deps.issuer, audience: accountClientId });
    if (payload.nonce !== flow.nonce || typeof payload.sub !== 'string') return expired();
    const value: AccountSession = { sub: payload.sub, sid: randomBytes(16).toString('base64url'), idt: tokens.id_token };
    setCookie(ctx, sessionCookie, deps.cookies.sign(value, sessionTtl), sessionTtl);
    ctx.redirect('/account');
  });

  router.get('/logout', async function signOut(ctx) {
    const current = cookieSession(ctx);
    setCookie(ctx, sessionCookie, null);
    const url = new URL(`${deps.issuer}${oidcRoutes.end_session}`);
    url.search = new URLSearchParams({
      client_id: accountClientId,
      post_logout_redirect_uri: `${deps.issuer}/account`,
      ...(current ? { id_token_hint: current.idt } : {}),
    }).toString();
    ctx.redirect(url.toString());
  });

  router.post('/apps/:clientId/revoke', form, async function revokeApp(ctx) {
    const current = (await signedIn(ctx))?.account;
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    if (!current || !deps.csrf.verify(csrfSubject(current), body.csrf)) {
      const page = accountPageContext(ctx);
      return sendErrorPage(ctx, page, page.t('error.forbidden'), 403);
    }
    const clientId = ctx.params.clientId!;
    await revokeAppAccess(deps.db, current.sub, clientId, 'user', requestOrigin(ctx));
    ctx.status = 303;
    ctx.redirect(`/account?revoked=${encodeURIComponent(clientId)}`);
  });

  mountAccountSessionRoutes(router, {
    db: deps.db, csrf: deps.csrf, signedIn, csrfSubject, forget: (ctx) => setCookie(ctx, sessionCookie, null),
  });
  return router;
}
