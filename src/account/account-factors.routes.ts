import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { Provider } from 'oidc-provider';
import { requestOrigin } from '../http/request-origin.ts';
import type { MessageKey } from '../i18n/messages.ts';
import { firstRecoveryCodes, generateRecoveryCodes, hasSecondFactor, listFactors, removeSecondFactor } from '../mfa/factors.service.ts';
import type { MfaSecrets } from '../mfa/mfa-secrets.ts';
import { mustHaveSecondFactor, secondFactorsEnabled } from '../mfa/mfa-policy.ts';
import { normaliseCode } from '../mfa/totp.ts';
import { confirmTotpEnrolment, pendingTotpEnrolment, startTotpEnrolment, type FactorActor } from '../mfa/totp.service.ts';
import { accountSecuritySection } from '../pages/account-security.page.ts';
import { html, type SafeHtml } from '../pages/html.ts';
import { pageContext, type PageContext } from '../pages/page-context.ts';
import { setRetryAfter, tooManyAttempts } from '../pages/retry-after.ts';
import { sendErrorPage, sendPage } from '../pages/send-page.ts';
import { recoveryCodesPage, totpSetUpPage } from '../pages/set-up-second-factor.page.ts';
import { registerPasskey, registrationOptions } from '../passkeys/passkey.service.ts';
import type { RelyingParty } from '../passkeys/relying-party.ts';
import { secondFactorSubjects, type Throttle } from '../throttle/throttle.service.ts';
import { findUserById } from '../users/user.repository.ts';
import type { Db } from '../db/database.ts';
import type { User } from '../db/tables.ts';
import type { CsrfTokens } from '../interaction/csrf.ts';
import type { SignedValues } from '../secrets/signed-cookie.ts';
import { accountCsrfSubject, readAccountSession } from './account-session.ts';

/**
 * The account page's *Two-step verification*: a person adds or removes their authenticator app and passkeys and
 * gets new recovery codes. Every form is bound to the account session by its CSRF token; every change is a factor
 * change (src/mfa/factor-changes.ts): audited, and where the person is told of it.
 */
export interface AccountFactorDeps {
  db: Db;
  mfaSecrets: MfaSecrets;
  relyingParty: RelyingParty;
  throttle: Throttle;
  /** The signed-in person's account session (`at`: when they signed in), and the CSRF subject of its forms. */
  session(ctx: Context): Promise<{ sub: string; sid: string; at?: number } | undefined>;
  /** How recent that sign-in must be for a change (SESAME_RECENT_SIGN_IN_SECONDS). */
  recentSignInSeconds: number;
  csrfSubject(session: { sid: string }): string;
  issueCsrf(subject: string): string;
  verifyCsrf(subject: string, token: unknown): boolean;
}

/** What the factor routes and the account page's section need, from the account page's own dependencies. */
export function accountFactorDepsOf(deps: {
  db: Db; cookies: SignedValues; csrf: CsrfTokens; mfaSecrets: MfaSecrets; relyingParty: RelyingParty; throttle: Throttle; recentSignInSeconds: number;
  provider: () => Provider;
}): AccountFactorDeps {
  return {
    db: deps.db, mfaSecrets: deps.mfaSecrets, relyingParty: deps.relyingParty, throttle: deps.throttle,
    session: (ctx) => readAccountSession(deps.provider(), deps.cookies, ctx), csrfSubject: accountCsrfSubject,
    issueCsrf: deps.csrf.issue, verifyCsrf: deps.csrf.verify, recentSignInSeconds: deps.recentSignInSeconds,
  };
}

/** Notices after a change, by the name the redirect carries (never text from the URL). */
const notices: Record<string, MessageKey> = {
  'totp-added': 'account.totpAdded',
  'totp-removed': 'account.totpRemoved',
  'passkey-added': 'account.passkeyAddedNotice',
  'passkey-removed': 'account.passkeyRemoved',
  'passkey-refused': 'account.passkeyRefused',
  'last-factor': 'account.lastFactorRequired',
};

export const factorNotice = (page: PageContext, name: unknown): string | undefined =>
  (typeof name === 'string' && Object.hasOwn(notices, name) ? page.t(notices[name]!) : undefined);

const subjectOf = (session: { sid: string }) => `account:${session.sid}`;

/** The section for the account page, or undefined when second factors are off. */
export async function accountSecurity(deps: AccountFactorDeps, page: PageContext, user: User, session: { sid: string }, csrf: string): Promise<SafeHtml | undefined> {
  if (!secondFactorsEnabled(page.brand.mfaPolicy)) return undefined;
  const factors = await listFactors(deps.db, user.id);
  return accountSecuritySection({
    t: page.t, locale: page.locale, csrf,
    totp: factors.totp,
    passkeys: factors.passkeys.map((p) => ({ id: p.id, name: p.name, createdAt: p.created_at })),
    recoveryCodes: factors.recoveryCodes,
    passkeyOptions: await registrationOptions(deps, user, subjectOf(session), page.brand.productName),
  });
}

export function accountFactorRoutes(router: Router, deps: AccountFactorDeps, form: Middleware): void {
  const mfa = { db: deps.db, secrets: deps.mfaSecrets };
  const back = (t: PageContext['t']) => html`<p class="alt-action"><a href="/account">${t('account.back')}</a></p>`;

  /** The signed-in person posting one of these forms, with a valid token, while second factors are on. */
  async function poster(ctx: Context) {
    const page = pageContext(ctx, ctx.query.ui_locales);
    const session = await deps.session(ctx);
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const user = session && await findUserById(deps.db, session.sub);
    if (!session || !user || user.suspended || !deps.verifyCsrf(deps.csrfSubject(session), body.csrf)) {
      sendErrorPage(ctx, page, page.t('error.forbidden'), 403);
      return undefined;
    }
    if (!secondFactorsEnabled(page.brand.mfaPolicy)) {
      sendErrorPage(ctx, page, page.t('error.notFound'), 404);
      return undefined;
    }
    // An older sign-in confirms it is still the person first: a stolen session cannot add its own passkey.
    if (!session.at || Date.now() / 1000 - session.at > deps.recentSignInSeconds) {
      ctx.status = 303;
      ctx.redirect('/account/login?reauth=1');
      return undefined;
    }
    const actor: FactorActor = { by: 'user', origin: requestOrigin(ctx) };
    return { page, session, body, user, actor, csrf: deps.issueCsrf(deps.csrfSubject(session)) };
  }

  const done = (ctx: Context, notice: keyof typeof notices) => {
    ctx.status = 303;
    ctx.redirect(`/account?notice=${notice}`);
  };

  /** After a factor was added: the first recovery codes (shown once), or straight back to the account. */
  async function added(ctx: Context, step: NonNullable<Awaited<ReturnType<typeof poster>>>, notice: 'totp-added' | 'passkey-added') {
    const codes = await firstRecoveryCodes(mfa, step.user.id, step.actor);
    if (!codes) return done(ctx, notice);
    const { t, locale, brand } = step.page;
    sendPage(ctx, recoveryCodesPage({ t, locale, brand, codes, next: { href: `/account?notice=${notice}` } }));
  }

  const renderTotp = (ctx: Context, step: NonNullable<Awaited<ReturnType<typeof poster>>>, enrolment: { qrCodeDataUrl: string; manualKey: string }, error?: string, status = 200) => {
    const { t, locale, brand } = step.page;
    sendPage(ctx, totpSetUpPage({
      t, locale, brand, error, ...enrolment, productName: brand.productName, csrf: step.csrf, action: '/account/totp/confirm', back: back(t),
    }), status);
  };

  router.post('/totp', form, async function startAccountTotp(ctx) {
    const step = await poster(ctx);
    if (!step) return;
    const enrolment = await startTotpEnrolment(mfa, step.user, step.page.brand.productName);
    if (!enrolment) return done(ctx, 'totp-added');
    renderTotp(ctx, step, enrolment);
  });

  router.post('/totp/confirm', form, async function confirmAccountTotp(ctx) {
    const step = await poster(ctx);
    if (!step) return;
    const { t } = step.page;
    const enrolment = await pendingTotpEnrolment(mfa, step.user, step.page.brand.productName);
    if (!enrolment) return sendErrorPage(ctx, step.page, t('error.forbidden'), 400);
    const origin = requestOrigin(ctx);
    const subjects = secondFactorSubjects(step.user.id, origin.ip);
    const wait = await deps.throttle.retryAfter(subjects);
    if (wait) {
      setRetryAfter(ctx, wait);
      return renderTotp(ctx, step, enrolment, tooManyAttempts(t, wait), 429);
    }
    const code = normaliseCode(step.body.code);
    const result = code ? await confirmTotpEnrolment(mfa, step.user.id, code, step.actor) : 'wrong';
    if (result === 'accepted') return added(ctx, step, 'totp-added');
    const blocked = await deps.throttle.recordFailure(subjects, { ...origin, userId: step.user.id });
    if (blocked) setRetryAfter(ctx, blocked);
    renderTotp(ctx, step, enrolment, blocked ? tooManyAttempts(t, blocked) : t('mfa.wrongCode'), blocked ? 429 : 400);
  });

  /** Removes a factor, unless it is the last one and the policy requires one. */
  async function remove(ctx: Context, factor: { kind: 'totp' } | { kind: 'passkey'; id: string }, notice: 'totp-removed' | 'passkey-removed') {
    const step = await poster(ctx);
    if (!step) return;
    const factors = await listFactors(deps.db, step.user.id);
    const remaining = (factors.totp && factor.kind !== 'totp' ? 1 : 0) + factors.passkeys.filter((p) => factor.kind !== 'passkey' || p.id !== factor.id).length;
    if (hasSecondFactor(factors) && remaining === 0 && mustHaveSecondFactor(step.page.brand.mfaPolicy, step.user)) return done(ctx, 'last-factor');
    await removeSecondFactor(deps.db, step.user.id, factor, step.actor);
    done(ctx, notice);
  }

  router.post('/totp/remove', form, (ctx) => remove(ctx, { kind: 'totp' }, 'totp-removed'));
  router.post('/passkeys/:id/remove', form, (ctx) => remove(ctx, { kind: 'passkey', id: ctx.params.id! }, 'passkey-removed'));

  router.post('/passkeys', form, async function addAccountPasskey(ctx) {
    const step = await poster(ctx);
    if (!step) return;
    const typed = typeof step.body.name === 'string' ? step.body.name.trim().replace(/[\p{C}]/gu, '').slice(0, 64) : '';
    const count = (await listFactors(deps.db, step.user.id)).passkeys.length;
    const passkey = await registerPasskey(deps, step.user, step.body.credential, subjectOf(step.session), {
      name: typed || step.page.t('passkey.defaultName', { n: String(count + 1) }), actor: step.actor,
    });
    if (!passkey) return done(ctx, 'passkey-refused');
    return added(ctx, step, 'passkey-added');
  });

  router.post('/recovery-codes', form, async function newRecoveryCodes(ctx) {
    const step = await poster(ctx);
    if (!step) return;
    if (!hasSecondFactor(await listFactors(deps.db, step.user.id))) return ctx.redirect('/account');
    const codes = await generateRecoveryCodes(mfa, step.user.id, step.actor);
    const { t, locale, brand } = step.page;
    sendPage(ctx, recoveryCodesPage({ t, locale, brand, codes, next: { href: '/account' } }));
  });
}
