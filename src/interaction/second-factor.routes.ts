import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context } from 'koa';
import { requestOrigin } from '../http/request-origin.ts';
import { listFactors, useRecoveryCode } from '../mfa/factors.service.ts';
import { normaliseCode } from '../mfa/totp.ts';
import { verifyTotp } from '../mfa/totp.service.ts';
import type { AuthMethod } from '../mfa/strength.ts';
import { setRetryAfter, tooManyAttempts } from '../pages/retry-after.ts';
import { secondFactorPage } from '../pages/second-factor.page.ts';
import { sendErrorPage, sendPage } from '../pages/send-page.ts';
import { authenticationOptions, verifyPasskey } from '../passkeys/passkey.service.ts';
import { secondFactorSubjects } from '../throttle/throttle.service.ts';
import { appName, clientIdOf, interactionPage, submittedForm, type Details, type InteractionDeps } from './interaction-flow.ts';
import { completeSignIn, openSignInStep, interactionSubject, recordSecondFactorFailure, secondFactorUrl, signInPrompts } from './second-factor.ts';
import type { SignInProgress } from './sign-in-steps.ts';

/**
 * The second step of a sign-in (/interaction/:uid/second-factor): an authenticator code, a passkey, or a recovery
 * code, for the account whose first factor this interaction's signed progress cookie names. Codes are throttled
 * like passwords; each code is accepted once.
 */

async function renderSecondFactor(ctx: Context, deps: InteractionDeps, details: Details, progress: SignInProgress, form: { error?: string; recovery?: boolean } = {}, status = 200) {
  const { locale, t, brand } = interactionPage(ctx, details);
  const factors = await listFactors(deps.db, progress.userId);
  const base = secondFactorUrl(details);
  sendPage(ctx, secondFactorPage({
    t, locale, brand,
    appName: await appName(deps, details),
    csrf: deps.csrf.issue(details.uid),
    codeAction: factors.totp ? `${base}/code` : undefined,
    passkey: factors.passkeys.length
      ? { action: `${base}/passkey`, options: await authenticationOptions(deps, interactionSubject(details), progress.userId) }
      : undefined,
    recoveryAction: factors.recoveryCodes.total > 0 ? `${base}/recovery` : undefined,
    error: form.error,
    recoveryOpen: form.recovery,
  }), status, { scripts: factors.passkeys.length > 0 });
}

/** The submitted form of an interaction at its second step, with the progress so far. */
async function secondStepForm(ctx: Context, deps: InteractionDeps) {
  const submitted = await submittedForm(ctx, deps, signInPrompts);
  if (!submitted) return undefined;
  const progress = deps.steps.read(ctx, submitted.details.uid);
  if (!progress || progress.complete) {
    sendErrorPage(ctx, submitted.page, submitted.page.t('error.expired'), 400);
    return undefined;
  }
  return { ...submitted, progress };
}

export function secondFactorRoutes(deps: InteractionDeps): Router {
  const router = new Router({ prefix: '/interaction/:uid/second-factor' });
  const form = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });
  const mfa = { db: deps.db, secrets: deps.mfaSecrets };

  /** A code (authenticator or recovery) checked under the throttle; a wrong one counts against the account. */
  async function checkThrottledCode(ctx: Context, step: NonNullable<Awaited<ReturnType<typeof secondStepForm>>>, kind: 'code' | 'recovery', check: () => Promise<'accepted' | 'wrong' | 'replayed'>) {
    const { details, progress, page: { t } } = step;
    const origin = requestOrigin(ctx);
    const subjects = secondFactorSubjects(progress.userId, origin.ip, deps.devices.deviceFor(ctx, progress.userId));
    const recovery = kind === 'recovery';
    const wait = await deps.throttle.retryAfter(subjects);
    if (wait) {
      setRetryAfter(ctx, wait);
      return renderSecondFactor(ctx, deps, details, progress, { error: tooManyAttempts(t, wait), recovery }, 429);
    }
    const result = await check();
    if (result === 'accepted') {
      await deps.throttle.recordSuccess(subjects.filter((s) => s.policy !== 'account'));
      return completeSignIn(ctx, deps, details, { ...progress, methods: [...progress.methods, 'otp' satisfies AuthMethod] });
    }
    await recordSecondFactorFailure(ctx, deps, details, progress.userId, {
      method: recovery ? 'recovery_code' : 'totp', reason: result === 'replayed' ? 'replayed_code' : 'wrong_code',
    });
    const blocked = await deps.throttle.recordFailure(subjects, { ...origin, userId: progress.userId, clientId: clientIdOf(details) });
    if (blocked) setRetryAfter(ctx, blocked);
    const error = blocked ? tooManyAttempts(t, blocked) : recovery ? t('mfa.wrongRecoveryCode') : result === 'replayed' ? t('mfa.replayedCode') : t('mfa.wrongCode');
    return renderSecondFactor(ctx, deps, details, progress, { error, recovery }, blocked ? 429 : 400);
  }

  router.get('/', async function showSecondFactor(ctx) {
    const step = await openSignInStep(ctx, deps);
    if (step) await renderSecondFactor(ctx, deps, step.details, step.progress);
  });

  router.post('/code', form, async function submitCode(ctx) {
    const step = await secondStepForm(ctx, deps);
    if (!step) return;
    const code = normaliseCode(step.body.code);
    return checkThrottledCode(ctx, step, 'code', async () => (code ? verifyTotp(mfa, step.progress.userId, code) : 'wrong'));
  });

  router.post('/recovery', form, async function submitRecoveryCode(ctx) {
    const step = await secondStepForm(ctx, deps);
    if (!step) return;
    const actor = { by: 'user' as const, origin: requestOrigin(ctx), clientId: clientIdOf(step.details) };
    return checkThrottledCode(ctx, step, 'recovery', async () => (await useRecoveryCode(mfa, step.progress.userId, step.body.recovery_code, actor) ? 'accepted' : 'wrong'));
  });

  router.post('/passkey', form, async function submitPasskey(ctx) {
    const step = await secondStepForm(ctx, deps);
    if (!step) return;
    const { details, progress, body, page: { t } } = step;
    const proof = await verifyPasskey(deps, body.credential, interactionSubject(details), progress.userId);
    if (!proof) {
      await recordSecondFactorFailure(ctx, deps, details, progress.userId, { method: 'passkey', reason: 'passkey_refused' });
      return renderSecondFactor(ctx, deps, details, progress, { error: t('passkey.refused') }, 400);
    }
    return completeSignIn(ctx, deps, details, { ...progress, methods: [...progress.methods, 'hwk'] });
  });

  return router;
}
