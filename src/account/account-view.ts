import type { Context } from 'koa';
import type { AccessTokenDefaults } from '../apps/access-token-lifetime.ts';
import { findApplication } from '../apps/app.repository.ts';
import type { Db } from '../db/database.ts';
import { isStorableText } from '../db/text.ts';
import type { User } from '../db/tables.ts';
import type { CsrfTokens } from '../interaction/csrf.ts';
import { accountCredentialsSection, type AccountCredentialsModel } from '../pages/account-credentials.page.ts';
import { accountPage } from '../pages/account.page.ts';
import { accountSessionsSection } from '../pages/account-sessions.section.ts';
import type { PageContext } from '../pages/page-context.ts';
import { sendPage } from '../pages/send-page.ts';
import { findPendingEmailChange } from '../recovery/email-token.repository.ts';
import { listAccountSessions } from '../sessions/session.service.ts';
import { accountCsrfSubject, accountPageContext, type LiveAccountSession } from './account-session.ts';
import { accountSecurity, factorNotice, type AccountFactorDeps } from './account-factors.routes.ts';
import { connectedApps, permissionLabel } from './connected-apps.ts';

export interface AccountViewDeps {
  db: Db;
  /** How soon revoking an app bites (src/grants/revocation-bound.ts). */
  accessTokenDefaults: AccessTokenDefaults;
  csrf: CsrfTokens;
  /** Whether Sesame can send email: changing and verifying an address need it. */
  canEmail: boolean;
  /** Second factors and passkeys: the *Two-step verification* section (src/account/account-factors.routes.ts). */
  factors: AccountFactorDeps;
}

/** What the page says after a form: a notice on top, or the errors of the credentials forms. */
export type AccountViewState = Partial<Pick<AccountCredentialsModel, 'passwordError' | 'emailError' | 'newEmail'>> & { notice?: string };

/** What /account says after sessions were signed out from it (`?sessions=…`, src/account/account-sessions.routes.ts). */
const sessionsNotices = { ended: 'sessions.ended', others: 'sessions.othersEnded', gone: 'sessions.gone' } as const;

/** A notice named in the query after a redirect (`?revoked=CLIENT_ID`, `?notice=verification-sent`, `?notice=totp-added`, `?sessions=ended`). */
async function noticeOf(ctx: Context, db: Db, page: PageContext, user: User): Promise<string | undefined> {
  const { t } = page;
  if (ctx.query.notice === 'verification-sent' && user.email) return t('account.verificationSent', { email: user.email });
  const factorChange = factorNotice(page, ctx.query.notice);
  if (factorChange) return factorChange;
  const { sessions } = ctx.query;
  if (typeof sessions === 'string' && Object.hasOwn(sessionsNotices, sessions)) return t(sessionsNotices[sessions as keyof typeof sessionsNotices]);
  const { narrowed, permission } = ctx.query;
  if (typeof narrowed === 'string' && typeof permission === 'string' && isStorableText(narrowed) && isStorableText(permission)) {
    const [app, label] = await Promise.all([findApplication(db, narrowed), permissionLabel(db, page, permission)]);
    if (app && label) return t('account.permissionRemoved', { app: app.display_name ?? app.name, permission: label });
  }
  const revoked = typeof ctx.query.revoked === 'string' && isStorableText(ctx.query.revoked)
    ? await findApplication(db, ctx.query.revoked) : undefined;
  return revoked ? t('account.revoked', { app: revoked.display_name ?? revoked.name }) : undefined;
}

/** The account page of the signed-in person: profile, password and email, two-step verification, where they are signed in, connected apps. */
export async function renderAccountPage(ctx: Context, deps: AccountViewDeps, current: LiveAccountSession, user: User, state: AccountViewState = {}, status = 200): Promise<void> {
  const page = accountPageContext(ctx);
  const { locale, t, brand } = page;
  const csrf = deps.csrf.issue(accountCsrfSubject(current));
  const [apps, pendingEmail, sessions, notice, security] = await Promise.all([
    connectedApps(deps, user.id, { t, locale }),
    findPendingEmailChange(deps.db, user.id),
    listAccountSessions(deps.db, user.id, current.sessionUid),
    state.notice ?? noticeOf(ctx, deps.db, page, user),
    accountSecurity(deps.factors, page, user, current, csrf),
  ]);
  const credentials = accountCredentialsSection({
    t, csrf, email: user.email, emailVerified: user.email_verified, pendingEmail, canEmail: deps.canEmail,
    passwordError: state.passwordError, emailError: state.emailError, newEmail: state.newEmail,
  });
  sendPage(ctx, accountPage({
    t, locale, brand, user, apps, notice, csrf,
    sections: [credentials, ...(security ? [security] : []), accountSessionsSection({ t, locale, sessions, csrf })],
    scripts: security !== undefined,
  }), status, { scripts: security !== undefined });
}
