import { createHash, randomBytes } from 'node:crypto';
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context } from 'koa';
import type { AccessTokenDefaults } from '../apps/access-token-lifetime.ts';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { requestOrigin } from '../http/request-origin.ts';
import type { Db } from '../db/database.ts';
import type { CsrfTokens } from '../interaction/csrf.ts';
import { oidcRoutes } from '../oidc/provider.ts';
import { revokeAccessPage } from '../pages/revoke-access.page.ts';
import { sendErrorPage, sendPage } from '../pages/send-page.ts';
import { renderAccountPage } from './account-view.ts';
import { connectedApps } from './connected-apps.ts';
import { findUserById } from '../users/user.repository.ts';
import { accountClientId, accountClientSecret, accountRedirectUri } from './account-client.ts';
import type { SignedValues } from '../secrets/signed-cookie.ts';
import { revokeAppAccess } from '../grants/grant.service.ts';
import { removeConsentPermission } from '../consents/consent-permission.ts';
import type { Provider } from 'oidc-provider';
import {
  accountCookie, accountCsrfSubject, accountPageContext, readAccountSession, sessionCookie, sessionTtl, setAccountCookie as setCookie,
  type AccountSession,
} from './account-session.ts';
import { accountFactorDepsOf, accountFactorRoutes } from './account-factors.routes.ts';
import type { MfaSecrets } from '../mfa/mfa-secrets.ts';
import type { RelyingParty } from '../passkeys/relying-party.ts';
import type { Throttle } from '../throttle/throttle.service.ts';
import { mountAccountSessionRoutes } from './account-sessions.routes.ts';

export interface AccountDeps {
  db: Db;
  issuer: string;
  /** Where this node reaches its own endpoints (loopback), for the code exchange. */
  internalUrl: string;
  masterSecret: string;
  csrf: CsrfTokens;
  cookies: SignedValues;
  /** Second factors and passkeys (src/account/account-factors.routes.ts). */
  mfaSecrets: MfaSecrets;
  relyingParty: RelyingParty;
  throttle: Throttle;
  /** SESAME_RECENT_SIGN_IN_SECONDS: how recent a sign-in changes to second factors need. */
  recentSignInSeconds: number;
  /** Whether Sesame can send email: changing and verifying an address need it. */
  canEmail: boolean;
  /** The node's provider: the account page is signed in only while this browser's Sesame session is. */
  provider: () => Provider;
  /** How soon revoking an app bites (src/grants/revocation-bound.ts). */
  accessTokenDefaults: AccessTokenDefaults;
}

interface SignInFlow { state: string; nonce: string; verifier: string }

const flowCookie = 'sesame.account.flow';

/** The account page is an app like any other: it signs the person in through Sesame's authorization endpoint. */
export function accountRoutes(deps: AccountDeps): Router {
  const router = new Router({ prefix: '/account' });
  const form = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });
  const jwks = createRemoteJWKSet(new URL(`${deps.internalUrl}${oidcRoutes.jwks}`));
  const session = (ctx: Context) => readAccountSession(deps.provider(), deps.cookies, ctx);
  const csrfSubject = accountCsrfSubject;
  const clientCredentials = Buffer.from(`${accountClientId}:${accountClientSecret(deps.masterSecret)}`).toString('base64');
  const factorDeps = accountFactorDepsOf(deps);
  accountFactorRoutes(router, factorDeps, form);

  router.get('/', async function showAccount(ctx) {
    const current = await session(ctx);
    const user = current && await findUserById(deps.db, current.sub);
    if (!current || !user || user.suspended) {
      setCookie(ctx, sessionCookie, null);
      return ctx.redirect('/account/login');
    }
    await renderAccountPage(ctx, { db: deps.db, accessTokenDefaults: deps.accessTokenDefaults, csrf: deps.csrf, canEmail: deps.canEmail, factors: factorDeps }, current, user);
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
      // A fresh sign-in (password and second factor), asked for before changes to second factors.
      ...(ctx.query.reauth === '1' ? { max_age: '0' } : {}),
      // A few language tags, passed on; a longer value is no one's language and would make the redirect too large to follow.
      ...(typeof ctx.query.ui_locales === 'string' && ctx.query.ui_locales.length <= 100 ? { ui_locales: ctx.query.ui_locales } : {}),
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
    const value: AccountSession = {
      sub: payload.sub, sid: randomBytes(16).toString('base64url'), idt: tokens.id_token,
      ...(typeof payload.auth_time === 'number' ? { at: payload.auth_time } : {}),
    };
    setCookie(ctx, sessionCookie, deps.cookies.sign(value, sessionTtl), sessionTtl);
    ctx.redirect('/account');
  });

  router.get('/logout', async function signOut(ctx) {
    const current = accountCookie(deps.cookies, ctx);
    setCookie(ctx, sessionCookie, null);
    const url = new URL(`${deps.issuer}${oidcRoutes.end_session}`);
    url.search = new URLSearchParams({
      client_id: accountClientId,
      post_logout_redirect_uri: `${deps.issuer}/account`,
      ...(current ? { id_token_hint: current.idt } : {}),
    }).toString();
    ctx.redirect(url.toString());
  });

  // Revoke access asks first: what the app loses, then the form that revokes it.
  router.get('/apps/:clientId/revoke', async function confirmRevokeApp(ctx) {
    const current = await session(ctx);
    const user = current && await findUserById(deps.db, current.sub);
    if (!current || !user || user.suspended) return ctx.redirect('/account/login');
    const { locale, t, brand } = accountPageContext(ctx);
    const app = (await connectedApps(deps, user.id, { t, locale })).find((a) => a.clientId === ctx.params.clientId);
    if (!app) return ctx.redirect('/account');
    sendPage(ctx, revokeAccessPage({ t, locale, brand, app, csrf: deps.csrf.issue(csrfSubject(current)) }));
  });

  router.post('/apps/:clientId/revoke', form, async function revokeApp(ctx) {
    const current = await session(ctx);
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

  // One permission taken back from an app (issue 15 §3): the consent narrows, the app's tokens end.
  router.post('/apps/:clientId/permissions', form, async function removePermission(ctx) {
    const current = await session(ctx);
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    if (!current || !deps.csrf.verify(csrfSubject(current), body.csrf)) {
      const page = accountPageContext(ctx);
      return sendErrorPage(ctx, page, page.t('error.forbidden'), 403);
    }
    const clientId = ctx.params.clientId!;
    const permission = typeof body.permission === 'string' ? body.permission.slice(0, 2200) : '';
    const removed = await removeConsentPermission(deps.db, current.sub, clientId, permission, requestOrigin(ctx));
    ctx.status = 303;
    ctx.redirect(removed ? `/account?${new URLSearchParams({ narrowed: clientId, permission })}` : '/account');
  });

  mountAccountSessionRoutes(router, { db: deps.db, csrf: deps.csrf, signedIn: session, forget: (ctx) => setCookie(ctx, sessionCookie, null) });
  return router;
}
