import type { Context } from 'koa';
import { recordAuditEvent } from '../audit/audit.repository.ts';
import { requestOrigin } from '../http/request-origin.ts';
import { hasSecondFactorOf } from '../mfa/factors.repository.ts';
import { mustHaveSecondFactor, secondFactorsEnabled } from '../mfa/mfa-policy.ts';
import { asksForMultiFactor, strengthOf, type AuthMethod } from '../mfa/strength.ts';
import { acrValuesUnmet } from '../oidc/interaction-policy.ts';
import { sendErrorPage } from '../pages/send-page.ts';
import { verifyPasskey } from '../passkeys/passkey.service.ts';
import { signInExperienceOf } from '../sign-in-experience/sign-in-experience.middleware.ts';
import { needsVerifiedEmail } from '../recovery/email-verification.service.ts';
import type { User } from '../db/tables.ts';
import { findUserById } from '../users/user.repository.ts';
import { clientIdOf, finish, interactionPage, loadInteraction, type Details, type InteractionDeps } from './interaction-flow.ts';
import type { SignInProgress } from './sign-in-steps.ts';
import { stopForEmailVerification } from './verify-email-step.ts';

/**
 * What follows a first factor: proving the email address when that is required, then the second factor when the
 * person has one, setting one up when the policy or the app demands it and they have none, else the end of the
 * sign-in. Every sign-in ends in `completeSignIn`, which records how strongly the person signed in (`amr`, `acr`) on
 * the session.
 */

/** The WebAuthn challenge subject of an interaction: its challenges answer nothing else. */
export const interactionSubject = (details: Details) => `interaction:${details.uid}`;

/** The classes the app asked for with `acr_values`. */
export const acrValuesOf = (details: Details): string[] =>
  (typeof details.params.acr_values === 'string' ? details.params.acr_values.split(' ').filter(Boolean) : []);

/** The login prompt is there only because the session is weaker than the app asks: add a factor, not sign in again. */
export const isStepUp = (details: Details): boolean => details.prompt.name === 'login' && Boolean(details.session?.accountId)
  && details.prompt.reasons.length > 0 && details.prompt.reasons.every((reason) => reason === acrValuesUnmet);

const knownMethods = new Set<string>(['pwd', 'otp', 'hwk']);

/** The factors the session's sign-in used, as a step-up starts from them. */
export const sessionMethods = (details: Details): AuthMethod[] =>
  ((details.session?.amr ?? []) as string[]).filter((m): m is AuthMethod => knownMethods.has(m));

/**
 * The prompts a sign-in's later steps happen at: login, or consent when the person chose *Not you?* there and signs
 * in as someone else.
 */
export const signInPrompts = ['login', 'consent'];

/**
 * The interaction and its sign-in progress, for the page of a later step (second factor, its set-up); when either
 * is gone or the sign-in is already complete, the expired page is sent and nothing is returned.
 */
export async function openSignInStep(ctx: Context, deps: InteractionDeps): Promise<{ details: Details; progress: SignInProgress } | undefined> {
  const details = await loadInteraction(ctx, deps);
  const progress = details && signInPrompts.includes(details.prompt.name) ? deps.steps.read(ctx, details.uid) : undefined;
  if (details && progress && !progress.complete) return { details, progress };
  const page = interactionPage(ctx, details);
  sendErrorPage(ctx, page, page.t('error.expired'), 400);
  return undefined;
}

export const secondFactorUrl = (details: Details) => `/interaction/${details.uid}/second-factor`;
export const setUpUrl = (details: Details) => `/interaction/${details.uid}/set-up`;

/** A first factor just proved, or the factors of a session stepping up: who, with what, and how. */
export type FirstFactor = Omit<SignInProgress, 'uid' | 'complete'>;

export async function completeSignIn(ctx: Context, deps: InteractionDeps, details: Details, proved: FirstFactor) {
  const { amr, acr } = strengthOf(proved.methods, { userVerifiedKey: proved.passkey?.userVerified });
  deps.steps.clear(ctx, details.uid);
  deps.devices.remember(ctx, proved.userId);
  await recordAuditEvent(deps.db, {
    type: 'sign_in.succeeded', userId: proved.userId, clientId: clientIdOf(details), ...requestOrigin(ctx),
    details: proved.via ? { method: proved.via, amr } : { amr },
  });
  await finish(ctx, deps, { login: { accountId: proved.userId, amr, acr } });
}

/**
 * After the first factor (a password, a passkey, the setup ticket, or the factors of a session stepping up): the
 * email verification step when the sign-in experience requires a verified address the account lacks, then the second
 * factor or its set-up when the person, the policy or the app's `acr_values` call for one, then the end of the sign-in.
 * The verification step comes back here once the address is proved (src/interaction/recovery.routes.ts).
 */
export async function continueSignIn(ctx: Context, deps: InteractionDeps, details: Details, first: FirstFactor, loaded?: User) {
  // The account as the first factor's check just read it, when it did (a suspension since is refused at the token
  // endpoint: src/oidc/provider.ts), else as it is now.
  const user = loaded?.id === first.userId ? loaded : await findUserById(deps.db, first.userId);
  const page = interactionPage(ctx, details);
  if (!user || user.suspended) return sendErrorPage(ctx, page, page.t('error.expired'), 400);
  if (needsVerifiedEmail(user, page.brand.requireVerifiedEmail)) {
    deps.steps.save(ctx, { ...first, uid: details.uid });
    return stopForEmailVerification(ctx, deps, details, user);
  }
  if (first.passkey) return completeSignIn(ctx, deps, details, first);
  const policy = signInExperienceOf(ctx).mfaPolicy;
  const demanded = asksForMultiFactor(acrValuesOf(details));
  if (!secondFactorsEnabled(policy)) {
    // Never a weaker sign-in than the app asked for: it is told that this cannot be done.
    if (demanded) return finish(ctx, deps, { error: 'unmet_authentication_requirements', error_description: 'second factors are turned off on this server' });
    return completeSignIn(ctx, deps, details, first);
  }
  const has = await hasSecondFactorOf(deps.db, user.id);
  if (!has && !demanded && !mustHaveSecondFactor(policy, user)) return completeSignIn(ctx, deps, details, first);
  deps.steps.save(ctx, { ...first, uid: details.uid });
  ctx.status = 303;
  ctx.redirect(has ? secondFactorUrl(details) : setUpUrl(details));
}

export type PasskeySignIn = { outcome: 'signed_in' } | { outcome: 'refused' };

/** A passkey instead of a password: discoverable, and verifying its user (PIN or biometric), so it is two factors in one. */
export async function passkeySignIn(ctx: Context, deps: InteractionDeps, details: Details, credential: unknown): Promise<PasskeySignIn> {
  const enabled = secondFactorsEnabled(signInExperienceOf(ctx).mfaPolicy);
  const proof = enabled ? await verifyPasskey(deps, credential, interactionSubject(details)) : undefined;
  const user = proof && await findUserById(deps.db, proof.userId);
  if (!proof || !user || user.suspended) {
    await recordAuditEvent(deps.db, {
      type: 'sign_in.failed', userId: user?.id, clientId: clientIdOf(details), ...requestOrigin(ctx),
      details: { reason: !proof ? 'passkey_refused' : 'suspended', method: 'passkey' },
    });
    return { outcome: 'refused' };
  }
  await continueSignIn(ctx, deps, details, { userId: user.id, methods: ['hwk'], passkey: { userVerified: proof.userVerified } }, user);
  return { outcome: 'signed_in' };
}

/** A wrong, replayed or refused second factor, in the audit trail. */
export async function recordSecondFactorFailure(ctx: Context, deps: InteractionDeps, details: Details, userId: string, failure: { method: 'totp' | 'recovery_code' | 'passkey'; reason: 'wrong_code' | 'replayed_code' | 'passkey_refused' }) {
  await recordAuditEvent(deps.db, { type: 'sign_in.second_factor_failed', userId, clientId: clientIdOf(details), ...requestOrigin(ctx), details: failure });
}
