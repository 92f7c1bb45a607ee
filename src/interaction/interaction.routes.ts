import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context } from 'koa';
import { errors, type InteractionResults, type Provider } from 'oidc-provider';
import type { Application } from '../db/tables.ts';
import { recordAuditEvent } from '../audit/audit.repository.ts';
import { requestOrigin } from '../http/request-origin.ts';
import type { Db } from '../db/database.ts';
import { consentPage } from '../pages/consent.page.ts';
import { pageContext } from '../pages/page-context.ts';
import { sendErrorPage, sendPage } from '../pages/send-page.ts';
import { signInPage } from '../pages/sign-in.page.ts';
import { signUpPage } from '../pages/sign-up.page.ts';
import { ServiceError } from '../errors.ts';
import { readNewAccountForm } from '../users/new-account-form.ts';
import { createUser } from '../users/user.service.ts';
import { verifyPassword } from '../users/password.ts';
import { findUserByLogin } from '../users/user.repository.ts';
import { applyConsent, consentGroups, consentItems, describeDestination, itemValue, type MissingDetails } from './consent.ts';
import type { Directory } from '../cache/directory.ts';
import type { CsrfTokens } from './csrf.ts';
import { clientIp } from '../http/client-ip.ts';
import { setRetryAfter, tooManyAttempts } from '../pages/retry-after.ts';
import { accountKey } from '../throttle/account-key.ts';
import type { DeviceCookies } from '../throttle/device-cookie.ts';
import { resetOnSuccess, signInSubjects, signUpSubjects, type Throttle } from '../throttle/throttle.service.ts';

export interface InteractionDeps {
  db: Db;
  directory: Directory;
  provider: () => Provider;
  csrf: CsrfTokens;
  throttle: Throttle;
  devices: DeviceCookies;
}

type Details = Awaited<ReturnType<Provider['interactionDetails']>>;

/** The page's language and the sign-in experience it wears (loaded for /interaction in src/app.ts). */
const interactionPage = (ctx: Context, details?: Details) => pageContext(ctx, details?.params.ui_locales);

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

const clientIdOf = (details: Details) => String(details.params.client_id);

async function appName(deps: InteractionDeps, details: Details): Promise<string> {
  const app = await deps.directory.application(clientIdOf(details));
  return app?.display_name ?? app?.name ?? clientIdOf(details);
}

async function renderSignIn(ctx: Context, deps: InteractionDeps, details: Details, form: { login?: string; error?: string; switching?: boolean } = {}, status = 200) {
  const { locale, t, brand } = interactionPage(ctx, details);
  const loginHint = typeof details.params.login_hint === 'string' ? details.params.login_hint.slice(0, 320) : undefined;
  sendPage(ctx, signInPage({
    t, locale, brand,
    // Self-registration starts from the sign-in step, not from "Not you?" on the consent screen.
    signUpUrl: brand.selfRegistration && details.prompt.name === 'login' ? `/interaction/${details.uid}/sign-up` : undefined,
    action: `/interaction/${details.uid}/login`,
    csrf: deps.csrf.issue(details.uid),
    appName: await appName(deps, details),
    login: form.login ?? (form.switching ? undefined : loginHint),
    error: form.error,
  }), status);
}

async function renderSignUp(ctx: Context, deps: InteractionDeps, details: Details, form: { username?: string; email?: string; error?: string } = {}, status = 200) {
  const { locale, t, brand } = interactionPage(ctx, details);
  sendPage(ctx, signUpPage({
    t, locale, brand,
    action: `/interaction/${details.uid}/sign-up`,
    signInUrl: `/interaction/${details.uid}`,
    csrf: deps.csrf.issue(details.uid),
    appName: await appName(deps, details),
    ...form,
  }), status);
}

/** First-party apps are consented automatically: grant what the prompt says is missing. */
async function consentFirstParty(ctx: Context, deps: InteractionDeps, details: Details) {
  const grant = await grantFor(deps, details);
  const missing = details.prompt.details as MissingDetails;
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, resourceScopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(indicator, resourceScopes.join(' '));
  await finish(ctx, deps, { consent: { grantId: await grant.save() } });
}

/** The grant the consent screen extends: the one the request carries, or a new one. */
async function grantFor(deps: InteractionDeps, details: Details) {
  const provider = deps.provider();
  return (details.grantId && await provider.Grant.find(details.grantId))
    || new provider.Grant({ accountId: details.session!.accountId, clientId: clientIdOf(details) });
}

async function renderConsent(ctx: Context, deps: InteractionDeps, details: Details, app: Application) {
  const page = interactionPage(ctx, details);
  const { locale, t, brand } = page;
  const [user, grant] = await Promise.all([
    deps.directory.user(details.session!.accountId),
    grantFor(deps, details),
  ]);
  if (!user) return sendErrorPage(ctx, page, t('error.expired'), 400);
  const items = consentItems(details, grant);
  sendPage(ctx, consentPage({
    t, locale, brand,
    action: `/interaction/${details.uid}/consent`,
    cancelAction: `/interaction/${details.uid}/abort`,
    switchAccount: `/interaction/${details.uid}/switch`,
    csrf: deps.csrf.issue(details.uid),
    app: { name: app.display_name ?? app.name, logoUrl: app.logo_url, logoDarkUrl: app.logo_dark_url, termsUrl: app.terms_url, privacyUrl: app.privacy_url },
    user: user.name ? `${user.name} (${user.username})` : user.username,
    groups: await consentGroups(deps.db, t, items),
    destination: describeDestination(String(details.params.redirect_uri)),
  }));
}

/** Reads the submitted form of an interaction that is at `prompt`, checking its CSRF token. */
async function submittedForm(ctx: Context, deps: InteractionDeps, prompts: string[]) {
  const details = await loadInteraction(ctx, deps);
  const page = interactionPage(ctx, details);
  const body = (ctx.request.body ?? {}) as Record<string, unknown>;
  if (!details || !prompts.includes(details.prompt.name)) {
    sendErrorPage(ctx, page, page.t('error.expired'), 400);
    return undefined;
  }
  if (!deps.csrf.verify(details.uid, body.csrf)) {
    sendErrorPage(ctx, page, page.t('error.forbidden'), 403);
    return undefined;
  }
  return { details, body, page };
}

export function interactionRoutes(deps: InteractionDeps): Router {
  const router = new Router({ prefix: '/interaction' });
  const form = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });

  router.get('/:uid', async function showInteraction(ctx) {
    const details = await loadInteraction(ctx, deps);
    const page = interactionPage(ctx, details);
    if (!details) return sendErrorPage(ctx, page, page.t('error.expired'), 400);
    if (details.prompt.name === 'login') return renderSignIn(ctx, deps, details);
    if (details.prompt.name !== 'consent' || !details.session?.accountId) return sendErrorPage(ctx, page, page.t('error.generic'), 400);
    const app = await deps.directory.application(clientIdOf(details));
    if (!app) return sendErrorPage(ctx, page, page.t('error.expired'), 400);
    return app.third_party ? renderConsent(ctx, deps, details, app) : consentFirstParty(ctx, deps, details);
  });

  // "Not you?": the same interaction, signed in again as someone else.
  router.get('/:uid/switch', async function showSwitchAccount(ctx) {
    const details = await loadInteraction(ctx, deps);
    const page = interactionPage(ctx, details);
    if (!details || details.prompt.name !== 'consent') return sendErrorPage(ctx, page, page.t('error.expired'), 400);
    return renderSignIn(ctx, deps, details, { switching: true });
  });

  router.post('/:uid/login', form, async function submitLogin(ctx) {
    const submitted = await submittedForm(ctx, deps, ['login', 'consent']);
    if (!submitted) return;
    const { details, body, page: { t } } = submitted;
    const switching = details.prompt.name === 'consent';
    const login = typeof body.login === 'string' ? body.login.trim().slice(0, 320) : '';
    const password = typeof body.password === 'string' ? body.password.slice(0, 1024) : '';
    if (!login || !password) return renderSignIn(ctx, deps, details, { login, switching, error: t('signIn.missing') });

    const user = await findUserByLogin(deps.db, login);
    const ip = clientIp(ctx.req, ctx.app.proxy);
    const device = user && deps.devices.deviceFor(ctx, user.id);
    const subjects = signInSubjects(login, ip, device ? { id: device, userId: user.id } : undefined);
    // A block refuses the right password too, or it would only slow the attacker down.
    const wait = await deps.throttle.retryAfter(subjects);
    if (wait) {
      setRetryAfter(ctx, wait);
      return renderSignIn(ctx, deps, details, { login, switching, error: tooManyAttempts(t, wait) }, 429);
    }
    const valid = await verifyPassword(user?.password_hash ?? null, password);
    const clientId = clientIdOf(details);
    if (!user || !valid || user.suspended) {
      await recordAuditEvent(deps.db, {
        type: 'sign_in.failed', userId: user?.id, clientId, ...requestOrigin(ctx),
        details: { login, reason: !user ? 'unknown_user' : valid ? 'suspended' : 'wrong_password' },
      });
      const blocked = await deps.throttle.recordFailure(subjects, {
        ip, userAgent: ctx.get('user-agent'), accountKey: accountKey(login), userId: user?.id,
      });
      if (blocked) {
        setRetryAfter(ctx, blocked);
        return renderSignIn(ctx, deps, details, { login, switching, error: tooManyAttempts(t, blocked) }, 429);
      }
      // One answer for every failure: telling a suspended account apart would confirm its password.
      return renderSignIn(ctx, deps, details, { login, switching, error: t('signIn.failed') });
    }
    await deps.throttle.recordSuccess(resetOnSuccess(subjects));
    deps.devices.remember(ctx, user.id);
    await recordAuditEvent(deps.db, { type: 'sign_in.succeeded', userId: user.id, clientId, ...requestOrigin(ctx) });
    await finish(ctx, deps, { login: { accountId: user.id, amr: ['pwd'] } });
  });

  // Self-registration (when the sign-in experience allows it): a new account, signed in to the same app.
  router.get('/:uid/sign-up', async function showSignUp(ctx) {
    const details = await loadInteraction(ctx, deps);
    const page = interactionPage(ctx, details);
    if (!page.brand.selfRegistration) return sendErrorPage(ctx, page, page.t('signUp.disabled'), 404);
    if (!details || details.prompt.name !== 'login') return sendErrorPage(ctx, page, page.t('error.expired'), 400);
    return renderSignUp(ctx, deps, details);
  });

  router.post('/:uid/sign-up', form, async function submitSignUp(ctx) {
    const page = interactionPage(ctx);
    if (!page.brand.selfRegistration) return sendErrorPage(ctx, page, page.t('signUp.disabled'), 404);
    const submitted = await submittedForm(ctx, deps, ['login']);
    if (!submitted) return;
    const { details, body, page: { t } } = submitted;
    const { form: typed, error } = readNewAccountForm(body, t);
    const again = { username: typed.username, email: typed.email };
    const ip = clientIp(ctx.req, ctx.app.proxy);
    const wait = await deps.throttle.retryAfter(signUpSubjects(ip));
    if (wait) {
      setRetryAfter(ctx, wait);
      return renderSignUp(ctx, deps, details, { ...again, error: tooManyAttempts(t, wait) }, 429);
    }
    if (error) return renderSignUp(ctx, deps, details, { ...again, error }, 400);
    // Every complete form counts, taken names too: "taken" is an answer worth asking for many names.
    await deps.throttle.recordFailure(signUpSubjects(ip), { ip, userAgent: ctx.get('user-agent') });
    let user;
    try {
      user = await createUser(deps.db, { username: typed.username, email: typed.email || undefined, password: typed.password });
    } catch (failure) {
      // Which of the two is taken is not said: that would tell anyone whether an account exists.
      if (failure instanceof ServiceError && failure.code === 'user.exists') return renderSignUp(ctx, deps, details, { ...again, error: t('signUp.taken') }, 409);
      throw failure;
    }
    const clientId = clientIdOf(details);
    await recordAuditEvent(deps.db, { type: 'sign_up.succeeded', userId: user.id, clientId, ...requestOrigin(ctx), details: { username: user.username } });
    await finish(ctx, deps, { login: { accountId: user.id, amr: ['pwd'] } });
  });

  router.post('/:uid/consent', form, async function submitConsent(ctx) {
    const submitted = await submittedForm(ctx, deps, ['consent']);
    if (!submitted) return;
    const { details, body, page } = submitted;
    const app = await deps.directory.application(clientIdOf(details));
    if (!app?.third_party || !details.session?.accountId) return sendErrorPage(ctx, page, page.t('error.expired'), 400);
    const grant = await grantFor(deps, details);
    const items = consentItems(details, grant);
    const ticked = new Set([body.grant].flat().filter((v): v is string => typeof v === 'string'));
    const missingClaims = (details.prompt.details as MissingDetails).missingOIDCClaims ?? [];
    const { accepted, refused } = applyConsent(grant, items, ticked, missingClaims);
    const grantId = await grant.save();
    await recordAuditEvent(deps.db, {
      type: 'consent.granted', userId: details.session.accountId, clientId: clientIdOf(details), ...requestOrigin(ctx),
      details: { granted: accepted.map(itemValue), refused: refused.map(itemValue) },
    });
    await finish(ctx, deps, { consent: { grantId } });
  });

  router.post('/:uid/abort', form, async function cancelInteraction(ctx) {
    const submitted = await submittedForm(ctx, deps, ['login', 'consent']);
    if (!submitted) return;
    await finish(ctx, deps, { error: 'access_denied', error_description: 'the user cancelled the request' });
  });

  return router;
}
