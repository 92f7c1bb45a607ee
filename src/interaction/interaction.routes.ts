import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context } from 'koa';
import { consoleClientId } from '../apps/built-in.ts';
import { isDynamicOrigin } from '../apps/app-types.ts';
import { isThirdParty } from '../apps/third-party.ts';
import type { Application } from '../db/tables.ts';
import { requestOrigin } from '../http/request-origin.ts';
import { consentPage } from '../pages/consent.page.ts';
import { sendErrorPage, sendPage } from '../pages/send-page.ts';
import { signInPage } from '../pages/sign-in.page.ts';
import { signUpPage } from '../pages/sign-up.page.ts';
import { readNewAccountForm } from '../users/new-account-form.ts';
import { consentGroups, consentTrust, describeDestination, trustWorthShowing } from './consent.ts';
import { consentAutomatically, decideConsent, permissionsToAsk } from './consent.service.ts';
import { offersConsentDurations, parseConsentDuration } from './consent-duration.ts';
import { redeemSetupSignIn, setupSignInCookie } from './setup-sign-in.service.ts';
import { signInWithPassword } from './sign-in.service.ts';
import { signUp } from './sign-up.service.ts';
import { setRetryAfter, tooManyAttempts } from '../pages/retry-after.ts';
import {
  appName, clientIdOf, finish, interactionPage, loadInteraction, submittedForm, type Details, type InteractionDeps,
} from './interaction-flow.ts';
import { continueSignIn, interactionSubject, isStepUp, passkeySignIn, sessionMethods } from './second-factor.ts';
import { secondFactorsEnabled } from '../mfa/mfa-policy.ts';
import { authenticationOptions } from '../passkeys/passkey.service.ts';

export type { InteractionDeps };

async function renderSignIn(ctx: Context, deps: InteractionDeps, details: Details, form: { login?: string; error?: string; switching?: boolean } = {}, status = 200) {
  const { locale, t, brand } = interactionPage(ctx, details);
  const loginHint = typeof details.params.login_hint === 'string' ? details.params.login_hint.slice(0, 320) : undefined;
  // Passkeys sign in without a password, unless second factors and passkeys are off.
  const passkey = secondFactorsEnabled(brand.mfaPolicy)
    ? { action: `/interaction/${details.uid}/passkey`, options: await authenticationOptions(deps, interactionSubject(details)) }
    : undefined;
  sendPage(ctx, signInPage({
    passkey,
    t, locale, brand,
    // Self-registration starts from the sign-in step, not from "Not you?" on the consent screen.
    signUpUrl: brand.selfRegistration && details.prompt.name === 'login' ? `/interaction/${details.uid}/sign-up` : undefined,
    forgotPasswordUrl: `/interaction/${details.uid}/forgot-password`,
    action: `/interaction/${details.uid}/login`,
    csrf: deps.csrf.issue(details.uid),
    appName: await appName(deps, details),
    login: form.login ?? (form.switching ? undefined : loginHint),
    error: form.error,
  }), status, { scripts: passkey !== undefined });
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

async function renderConsent(ctx: Context, deps: InteractionDeps, details: Details, app: Application) {
  const page = interactionPage(ctx, details);
  const { locale, t, brand } = page;
  const [user, items] = await Promise.all([
    deps.directory.user(details.session!.accountId),
    permissionsToAsk(deps, details, app),
  ]);
  if (!user) return sendErrorPage(ctx, page, t('error.expired'), 400);
  // The device flow (RFC 8628) sends nobody anywhere, so there is no redirect host to vouch for.
  const redirectUri = typeof details.params.redirect_uri === 'string' ? details.params.redirect_uri : undefined;
  const trust = redirectUri === undefined ? undefined : consentTrust(app, redirectUri, isDynamicOrigin(app.origin));
  sendPage(ctx, consentPage({
    t, locale, brand,
    action: `/interaction/${details.uid}/consent`,
    cancelAction: `/interaction/${details.uid}/abort`,
    switchAccount: `/interaction/${details.uid}/switch`,
    csrf: deps.csrf.issue(details.uid),
    app: { name: app.display_name ?? app.name, logoUrl: app.logo_url, logoDarkUrl: app.logo_dark_url, termsUrl: app.terms_url, privacyUrl: app.privacy_url },
    user: user.name ? `${user.name} (${user.username})` : user.username,
    groups: await consentGroups(deps.db, { t, locale }, items, [details.params.resource].flat().filter((r): r is string => typeof r === 'string')),
    durations: offersConsentDurations(app, deps.consentDurations),
    // The device flow sends nobody anywhere: the device that showed the code gets the tokens.
    destination: typeof details.params.redirect_uri === 'string' ? describeDestination(details.params.redirect_uri) : undefined,
    trust: trust && trustWorthShowing(trust) ? trust : undefined,
  }));
}

/**
 * The first admin, just created by the setup form in this browser, is signed in to the console without the form
 * (and goes on like a password sign-in: the verification step when a verified email is required, then the second factor).
 */
async function signInAfterSetup(ctx: Context, deps: InteractionDeps, details: Details): Promise<boolean> {
  const ticket = ctx.cookies.get(setupSignInCookie);
  if (!ticket || clientIdOf(details) !== consoleClientId) return false;
  ctx.cookies.set(setupSignInCookie, null, { path: '/interaction', httpOnly: true, sameSite: 'strict', secure: ctx.secure, overwrite: true });
  const userId = await redeemSetupSignIn(deps.db, ticket, clientIdOf(details));
  if (!userId) return false;
  await continueSignIn(ctx, deps, details, { userId, methods: ['pwd'], via: 'setup' });
  return true;
}

export function interactionRoutes(deps: InteractionDeps): Router {
  const router = new Router({ prefix: '/interaction' });
  const form = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });

  router.get('/:uid', async function showInteraction(ctx) {
    const details = await loadInteraction(ctx, deps);
    const page = interactionPage(ctx, details);
    if (!details) return sendErrorPage(ctx, page, page.t('error.expired'), 400);
    // Signed in, but less strongly than the app asks (acr_values): the missing factor, not the password again.
    if (isStepUp(details)) return continueSignIn(ctx, deps, details, { userId: details.session!.accountId, methods: sessionMethods(details) });
    if (details.prompt.name === 'login') return (await signInAfterSetup(ctx, deps, details)) || renderSignIn(ctx, deps, details);
    if (details.prompt.name !== 'consent' || !details.session?.accountId) return sendErrorPage(ctx, page, page.t('error.generic'), 400);
    const app = await deps.directory.application(clientIdOf(details));
    if (!app) return sendErrorPage(ctx, page, page.t('error.expired'), 400);
    if (isThirdParty(app)) return renderConsent(ctx, deps, details, app);
    return finish(ctx, deps, { consent: { grantId: await consentAutomatically(deps, details) } });
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

    const result = await signInWithPassword(deps, {
      login, password, clientId: clientIdOf(details), origin: requestOrigin(ctx),
      deviceOf: (userId) => deps.devices.deviceFor(ctx, userId),
    });
    if (result.outcome === 'throttled') {
      setRetryAfter(ctx, result.retryAfter);
      return renderSignIn(ctx, deps, details, { login, switching, error: tooManyAttempts(t, result.retryAfter) }, 429);
    }
    if (result.outcome === 'failed') return renderSignIn(ctx, deps, details, { login, switching, error: t('signIn.failed') });
    await continueSignIn(ctx, deps, details, { userId: result.userId, methods: ['pwd'] }, result.user);
  });

  // *Sign in with a passkey*: a discoverable credential instead of a username and password.
  router.post('/:uid/passkey', form, async function submitPasskeySignIn(ctx) {
    const submitted = await submittedForm(ctx, deps, ['login', 'consent']);
    if (!submitted) return;
    const { details, body, page: { t } } = submitted;
    const result = await passkeySignIn(ctx, deps, details, body.credential);
    if (result.outcome === 'refused') return renderSignIn(ctx, deps, details, { switching: details.prompt.name === 'consent', error: t('passkey.refused') }, 400);
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
    const result = await signUp(deps, {
      form: typed, valid: !error, clientId: clientIdOf(details), origin: requestOrigin(ctx),
      letter: { locale: submitted.page.locale, brand: submitted.page.brand }, interactionUid: details.uid,
    });
    if (result.outcome === 'throttled') {
      setRetryAfter(ctx, result.retryAfter);
      return renderSignUp(ctx, deps, details, { ...again, error: tooManyAttempts(t, result.retryAfter) }, 429);
    }
    if (result.outcome === 'invalid') return renderSignUp(ctx, deps, details, { ...again, error }, 400);
    if (result.outcome === 'taken') return renderSignUp(ctx, deps, details, { ...again, error: t('signUp.taken') }, 409);
    await continueSignIn(ctx, deps, details, { userId: result.userId, methods: ['pwd'] });
  });

  router.post('/:uid/consent', form, async function submitConsent(ctx) {
    const submitted = await submittedForm(ctx, deps, ['consent']);
    if (!submitted) return;
    const { details, body, page } = submitted;
    const app = await deps.directory.application(clientIdOf(details));
    if (!app || !isThirdParty(app) || !details.session?.accountId) return sendErrorPage(ctx, page, page.t('error.expired'), 400);
    const ticked = new Set([body.grant].flat().filter((v): v is string => typeof v === 'string'));
    const duration = offersConsentDurations(app, deps.consentDurations) ? parseConsentDuration(body.duration) ?? 'until_revoked' : undefined;
    const grantId = await decideConsent(deps, details, app, { ticked, duration }, requestOrigin(ctx), {
      locale: page.locale, t: page.t, brand: page.brand, appName: app.display_name ?? app.name,
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
