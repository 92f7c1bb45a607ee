import type Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context } from 'koa';
import type { Db } from '../db/database.ts';
import { requestOrigin } from '../http/request-origin.ts';
import type { CsrfTokens } from '../interaction/csrf.ts';
import { messagePage } from '../pages/message.page.ts';
import { html } from '../pages/html.ts';
import { sendErrorPage, sendPage } from '../pages/send-page.ts';
import { signOutEverywherePage } from '../pages/sign-out-everywhere.page.ts';
import { endAccountSession, endAccountSessions } from '../sessions/session.service.ts';
import { ServiceError } from '../errors.ts';
import { accountCsrfSubject, accountPageContext, type LiveAccountSession } from './account-session.ts';

export interface AccountSessionDeps {
  db: Db;
  csrf: CsrfTokens;
  /** The signed-in person of the request, with this browser's session (src/account/account-session.ts). */
  signedIn(ctx: Context): Promise<LiveAccountSession | undefined>;
  /** Forgets the account page's own sign-in in this browser. */
  forget(ctx: Context): void;
}

/** "Where you are signed in" on /account: sign out one session, all others, or everywhere (confirmed first). */
export function mountAccountSessionRoutes(router: Router, deps: AccountSessionDeps): void {
  const form = bodyParser({ enableTypes: ['form'], formLimit: '4kb' });

  /** The signed-in person of a form post, its CSRF token checked; answers 403 itself otherwise. */
  async function submitted(ctx: Context) {
    const live = await deps.signedIn(ctx);
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    if (live && deps.csrf.verify(accountCsrfSubject(live), body.csrf)) return live;
    const { t, locale, brand } = accountPageContext(ctx);
    sendErrorPage(ctx, { t, locale, brand }, t('error.forbidden'), 403);
    return undefined;
  }

  router.post('/sessions/:uid/end', form, async function endOneSession(ctx) {
    const live = await submitted(ctx);
    if (!live) return;
    const uid = ctx.params.uid!;
    // This browser's own session is ended by signing out (/account/logout), which takes the person out of it.
    if (uid === live.sessionUid) return ctx.redirect('/account/logout');
    try {
      await endAccountSession(deps.db, live.sub, uid, { reason: 'ended_by_user', by: 'user', origin: requestOrigin(ctx) });
    } catch (error) {
      if (!(error instanceof ServiceError) || error.code !== 'session.not_found') throw error;
      ctx.status = 303;
      return ctx.redirect('/account?sessions=gone');
    }
    ctx.status = 303;
    ctx.redirect('/account?sessions=ended');
  });

  router.post('/sessions/end-others', form, async function endOtherSessions(ctx) {
    const live = await submitted(ctx);
    if (!live) return;
    await endAccountSessions(deps.db, live.sub, { reason: 'ended_by_user', by: 'user', except: live.sessionUid, origin: requestOrigin(ctx) });
    ctx.status = 303;
    ctx.redirect('/account?sessions=others');
  });

  router.get('/sessions/end-all', async function confirmSignOutEverywhere(ctx) {
    const live = await deps.signedIn(ctx);
    if (!live) return ctx.redirect('/account/login');
    const { t, locale, brand } = accountPageContext(ctx);
    sendPage(ctx, signOutEverywherePage({ t, locale, brand, csrf: deps.csrf.issue(accountCsrfSubject(live)) }));
  });

  router.post('/sessions/end-all', form, async function signOutEverywhere(ctx) {
    const live = await submitted(ctx);
    if (!live) return;
    await endAccountSessions(deps.db, live.sub, { reason: 'ended_by_user', by: 'user', origin: requestOrigin(ctx) });
    deps.forget(ctx);
    const { t, locale, brand } = accountPageContext(ctx);
    sendPage(ctx, messagePage({
      t, locale, brand, title: t('sessions.done.title'), text: t('sessions.done.text'),
      extra: html`<p class="alt-action"><a href="/account/login">${t('sessions.done.again')}</a></p>`,
    }));
  });
}
