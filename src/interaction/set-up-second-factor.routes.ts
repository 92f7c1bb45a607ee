import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context } from 'koa';
import { requestOrigin } from '../http/request-origin.ts';
import { firstRecoveryCodes } from '../mfa/factors.service.ts';
import { hasSecondFactorOf } from '../mfa/factors.repository.ts';
import { mustHaveSecondFactor } from '../mfa/mfa-policy.ts';
import type { AuthMethod } from '../mfa/strength.ts';
import { normaliseCode } from '../mfa/totp.ts';
import { confirmTotpEnrolment, pendingTotpEnrolment, startTotpEnrolment } from '../mfa/totp.service.ts';
import { setRetryAfter, tooManyAttempts } from '../pages/retry-after.ts';
import { sendErrorPage, sendPage } from '../pages/send-page.ts';
import { chooseSecondFactorPage, recoveryCodesPage, totpSetUpPage } from '../pages/set-up-second-factor.page.ts';
import { registerPasskey, registrationOptions } from '../passkeys/passkey.service.ts';
import { signInExperienceOf } from '../sign-in-experience/sign-in-experience.middleware.ts';
import { secondFactorSubjects } from '../throttle/throttle.service.ts';
import { findUserById } from '../users/user.repository.ts';
import { appName, clientIdOf, interactionPage, submittedForm, type Details, type InteractionDeps } from './interaction-flow.ts';
import { completeSignIn, openSignInStep, interactionSubject, setUpUrl, signInPrompts } from './second-factor.ts';
import type { SignInProgress } from './sign-in-steps.ts';

/**
 * Setting up a second factor while signing in (/interaction/:uid/set-up), when the policy or the app demands one and
 * the person has none: an authenticator app (QR code, then its first code) or a passkey, then the recovery codes,
 * shown once, and the sign-in goes on with both factors.
 */

async function userOf(deps: InteractionDeps, progress: SignInProgress) {
  const user = await findUserById(deps.db, progress.userId);
  return user && !user.suspended ? user : undefined;
}

async function renderChoice(ctx: Context, deps: InteractionDeps, details: Details, progress: SignInProgress, error?: string, status = 200) {
  const { locale, t, brand } = interactionPage(ctx, details);
  const user = await userOf(deps, progress);
  if (!user) return sendErrorPage(ctx, interactionPage(ctx, details), t('error.expired'), 400);
  const app = await appName(deps, details);
  const base = setUpUrl(details);
  sendPage(ctx, chooseSecondFactorPage({
    t, locale, brand, error,
    csrf: deps.csrf.issue(details.uid),
    reason: mustHaveSecondFactor(brand.mfaPolicy, user) ? t('enrol.required', { app }) : t('enrol.requestedByApp', { app }),
    totpAction: `${base}/totp`,
    passkey: { action: `${base}/passkey`, options: await registrationOptions(deps, user, interactionSubject(details), brand.productName) },
    cancelAction: `/interaction/${details.uid}/abort`,
  }), status, { scripts: true });
}

async function renderTotp(ctx: Context, deps: InteractionDeps, details: Details, enrolment: { qrCodeDataUrl: string; manualKey: string }, error?: string, status = 200) {
  const { locale, t, brand } = interactionPage(ctx, details);
  sendPage(ctx, totpSetUpPage({
    t, locale, brand, error, ...enrolment,
    productName: brand.productName,
    csrf: deps.csrf.issue(details.uid),
    action: `${setUpUrl(details)}/totp/confirm`,
  }), status);
}

export function setUpSecondFactorRoutes(deps: InteractionDeps): Router {
  const router = new Router({ prefix: '/interaction/:uid/set-up' });
  const form = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });
  const mfa = { db: deps.db, secrets: deps.mfaSecrets };

  /** The submitted form of an interaction waiting for a second factor to be set up. */
  async function setUpForm(ctx: Context) {
    const submitted = await submittedForm(ctx, deps, signInPrompts);
    if (!submitted) return undefined;
    const progress = deps.steps.read(ctx, submitted.details.uid);
    const user = progress && await userOf(deps, progress);
    // Only for someone who has no second factor yet: whoever has one is asked for it instead.
    if (!progress || !user || (!progress.complete && await hasSecondFactorOf(deps.db, user.id))) {
      sendErrorPage(ctx, submitted.page, submitted.page.t('error.expired'), 400);
      return undefined;
    }
    return { ...submitted, progress, user };
  }

  /** The factor is set up: the first recovery codes, shown once, then on with the sign-in. */
  async function factorAdded(ctx: Context, step: NonNullable<Awaited<ReturnType<typeof setUpForm>>>, method: AuthMethod) {
    const { details, progress, page: { locale, t, brand } } = step;
    const methods = [...progress.methods, method];
    const codes = await firstRecoveryCodes(mfa, progress.userId, { by: 'user', origin: requestOrigin(ctx), clientId: clientIdOf(details) });
    if (!codes) return completeSignIn(ctx, deps, details, { ...progress, methods });
    deps.steps.save(ctx, { ...progress, methods, complete: true });
    sendPage(ctx, recoveryCodesPage({ t, locale, brand, codes, next: { action: `${setUpUrl(details)}/done`, csrf: deps.csrf.issue(details.uid) } }));
  }

  router.get('/', async function showSetUp(ctx) {
    const step = await openSignInStep(ctx, deps);
    if (step) await renderChoice(ctx, deps, step.details, step.progress);
  });

  router.post('/totp', form, async function startTotp(ctx) {
    const step = await setUpForm(ctx);
    if (!step || step.progress.complete) return;
    const name = signInExperienceOf(ctx).productName;
    const enrolment = await startTotpEnrolment(mfa, step.user, name);
    if (!enrolment) return sendErrorPage(ctx, step.page, step.page.t('error.expired'), 400);
    return renderTotp(ctx, deps, step.details, enrolment);
  });

  router.post('/totp/confirm', form, async function confirmTotp(ctx) {
    const step = await setUpForm(ctx);
    if (!step || step.progress.complete) return;
    const { details, user, page: { t } } = step;
    const enrolment = await pendingTotpEnrolment(mfa, user, signInExperienceOf(ctx).productName);
    if (!enrolment) return sendErrorPage(ctx, step.page, t('error.expired'), 400);
    const origin = requestOrigin(ctx);
    const subjects = secondFactorSubjects(user.id, origin.ip, deps.devices.deviceFor(ctx, user.id));
    const wait = await deps.throttle.retryAfter(subjects);
    if (wait) {
      setRetryAfter(ctx, wait);
      return renderTotp(ctx, deps, details, enrolment, tooManyAttempts(t, wait), 429);
    }
    const code = normaliseCode(step.body.code);
    const result = code ? await confirmTotpEnrolment(mfa, user.id, code, { by: 'user', origin, clientId: clientIdOf(details) }) : 'wrong';
    if (result === 'accepted') return factorAdded(ctx, step, 'otp');
    const blocked = await deps.throttle.recordFailure(subjects, { ...origin, userId: user.id, clientId: clientIdOf(details) });
    if (blocked) setRetryAfter(ctx, blocked);
    return renderTotp(ctx, deps, details, enrolment, blocked ? tooManyAttempts(t, blocked) : t('mfa.wrongCode'), blocked ? 429 : 400);
  });

  router.post('/passkey', form, async function addPasskey(ctx) {
    const step = await setUpForm(ctx);
    if (!step || step.progress.complete) return;
    const { details, user, body, page: { t } } = step;
    const passkey = await registerPasskey(deps, user, body.credential, interactionSubject(details), {
      name: t('passkey.defaultName', { n: '1' }),
      actor: { by: 'user', origin: requestOrigin(ctx), clientId: clientIdOf(details) },
    });
    if (!passkey) return renderChoice(ctx, deps, details, step.progress, t('account.passkeyRefused'), 400);
    return factorAdded(ctx, step, 'hwk');
  });

  router.post('/done', form, async function continueAfterSetUp(ctx) {
    const step = await setUpForm(ctx);
    if (!step) return;
    if (!step.progress.complete) return sendErrorPage(ctx, step.page, step.page.t('error.expired'), 400);
    return completeSignIn(ctx, deps, step.details, step.progress);
  });

  return router;
}
