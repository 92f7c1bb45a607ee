import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context } from 'koa';
import { errors, type InteractionResults, type Provider } from 'oidc-provider';
import type { Db } from '../db/database.ts';
import { pickLocale, translator, type Translate } from '../i18n/locale.ts';
import { pageContentSecurityPolicy } from '../pages/layout.ts';
import { messagePage } from '../pages/message.page.ts';
import { signInPage } from '../pages/sign-in.page.ts';
import { verifyPassword } from '../users/password.ts';
import { findUserByLogin } from '../users/user.repository.ts';
import type { CsrfTokens } from './csrf.ts';
import { isFirstParty } from '../oidc/grants.ts';

export interface InteractionDeps {
  db: Db;
  provider: () => Provider;
  csrf: CsrfTokens;
}

type Details = Awaited<ReturnType<Provider['interactionDetails']>>;

function pageContext(ctx: Context, details?: Details) {
  const uiLocales = details?.params.ui_locales;
  const locale = pickLocale(typeof uiLocales === 'string' ? uiLocales : undefined, ctx.get('accept-language'));
  return { locale, t: translator(locale) };
}

function sendPage(ctx: Context, body: string, status = 200) {
  ctx.status = status;
  ctx.type = 'html';
  ctx.set('Content-Security-Policy', pageContentSecurityPolicy);
  ctx.set('Cache-Control', 'no-store');
  ctx.body = body;
}

function sendError(ctx: Context, t: Translate, locale: string, text: string, status: number) {
  sendPage(ctx, messagePage({ t, locale, title: t('error.title'), text }), status);
}

/** The interaction the browser's cookie names, if it is the one in the URL. */
async function loadInteraction(ctx: Context, deps: InteractionDeps): Promise<Details | undefined> {
  try {
    const details = await deps.provider().interactionDetails(ctx.req, ctx.res);
    return details.uid === ctx.params.uid ? details : undefined;
  } catch (error) {
    if (error instanceof errors.SessionNotFound) return undefined;
    throw error;
  }
}

async function finish(ctx: Context, deps: InteractionDeps, result: InteractionResults) {
  const location = await deps.provider().interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
  ctx.status = 303;
  ctx.redirect(location);
}

async function appName(deps: InteractionDeps, details: Details): Promise<string> {
  const client = await deps.provider().Client.find(String(details.params.client_id));
  return client?.clientName ?? String(details.params.client_id);
}

async function renderSignIn(ctx: Context, deps: InteractionDeps, details: Details, form: { login?: string; error?: string } = {}) {
  const { locale, t } = pageContext(ctx, details);
  const loginHint = typeof details.params.login_hint === 'string' ? details.params.login_hint.slice(0, 320) : undefined;
  sendPage(ctx, signInPage({
    t, locale,
    action: `/interaction/${details.uid}/login`,
    csrf: deps.csrf.issue(details.uid),
    appName: await appName(deps, details),
    login: form.login ?? loginHint,
    error: form.error,
  }));
}

/** First-party apps are consented automatically: grant what the prompt says is missing. */
async function consentFirstParty(ctx: Context, deps: InteractionDeps, details: Details) {
  const provider = deps.provider();
  const accountId = details.session?.accountId;
  const clientId = String(details.params.client_id);
  const client = await provider.Client.find(clientId);
  if (!accountId || !client || !isFirstParty(client)) return false;
  const grant = (details.grantId && await provider.Grant.find(details.grantId)) || new provider.Grant({ accountId, clientId });
  const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
  const grantId = await grant.save();
  await finish(ctx, deps, { consent: { grantId } });
  return true;
}

export function interactionRoutes(deps: InteractionDeps): Router {
  const router = new Router({ prefix: '/interaction' });
  const form = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });

  router.get('/:uid', async function showInteraction(ctx) {
    const details = await loadInteraction(ctx, deps);
    const { locale, t } = pageContext(ctx, details);
    if (!details) return sendError(ctx, t, locale, t('error.expired'), 400);
    if (details.prompt.name === 'login') return renderSignIn(ctx, deps, details);
    if (details.prompt.name === 'consent' && await consentFirstParty(ctx, deps, details)) return;
    return sendError(ctx, t, locale, t('error.generic'), 400);
  });

  router.post('/:uid/login', form, async function submitLogin(ctx) {
    const details = await loadInteraction(ctx, deps);
    const { locale, t } = pageContext(ctx, details);
    if (!details || details.prompt.name !== 'login') return sendError(ctx, t, locale, t('error.expired'), 400);
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    if (!deps.csrf.verify(details.uid, body.csrf)) return sendError(ctx, t, locale, t('error.forbidden'), 403);

    const login = typeof body.login === 'string' ? body.login.trim().slice(0, 320) : '';
    const password = typeof body.password === 'string' ? body.password.slice(0, 1024) : '';
    if (!login || !password) return renderSignIn(ctx, deps, details, { login, error: t('signIn.missing') });

    const user = await findUserByLogin(deps.db, login);
    const valid = await verifyPassword(user?.password_hash ?? null, password);
    if (!user || !valid) return renderSignIn(ctx, deps, details, { login, error: t('signIn.failed') });
    if (user.suspended) return renderSignIn(ctx, deps, details, { login, error: t('signIn.suspended') });

    await finish(ctx, deps, { login: { accountId: user.id, amr: ['pwd'] } });
  });

  return router;
}
