import { randomBytes } from 'node:crypto';
import { access } from 'node:fs/promises';
import path from 'node:path';
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import { send } from '@koa/send';
import type { Context } from 'koa';
import { requestOrigin } from '../http/request-origin.ts';
import type { Db } from '../db/database.ts';
import { ServiceError } from '../errors.ts';
import { pickLocale, translator } from '../i18n/locale.ts';
import type { CsrfTokens } from '../interaction/csrf.ts';
import type { Logger } from '../logger.ts';
import { managementApiIndicator, managementScope } from '../resources/management-api.ts';
import { html } from '../pages/html.ts';
import { logoSources } from '../pages/logo-sources.ts';
import { messagePage } from '../pages/message.page.ts';
import { sendPage } from '../pages/send-page.ts';
import { setupPage } from '../pages/setup.page.ts';
import { signInExperienceOf } from '../sign-in-experience/sign-in-experience.middleware.ts';
import { readNewAccountForm } from '../users/new-account-form.ts';
import { consoleClientId, consoleRedirectUri, consoleUrl } from './console-client.ts';
import { createFirstAdmin, hashSetupToken, isSetupOpen, isSetupTokenValid } from './setup.service.ts';
import { issueSetupSignIn, setupSignInCookie, setupSignInTtlSeconds } from '../interaction/setup-sign-in.service.ts';
import { clientIp } from '../http/client-ip.ts';
import { setRetryAfter, tooManyAttempts } from '../pages/retry-after.ts';
import { setupSubjects, type Throttle } from '../throttle/throttle.service.ts';

export interface ConsoleDeps {
  db: Db;
  issuer: string;
  /** The console's static build (Vite, base `/console/`). */
  consoleDir: string;
  csrf: CsrfTokens;
  logger: Logger;
  throttle: Throttle;
}

/**
 * The console's own policy: its scripts, styles and API calls come from Sesame itself (the token endpoint and
 * the Management API are same-origin), images are the logos Sesame's pages may show (its previews show them as
 * the pages will), and nobody may frame it.
 */
export const consoleContentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  `img-src ${logoSources.join(' ')}`,
  "object-src 'none'",
  "base-uri 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Vite puts every content-hashed file under assets/: a new build has new names, so they never change. */
const immutable = 'public, max-age=31536000, immutable';
const setupCookie = 'sesame.setup';

function pageContext(ctx: Context) {
  const experience = signInExperienceOf(ctx);
  const locale = pickLocale(undefined, ctx.get('accept-language'), experience.defaultLanguage);
  return { locale, t: translator(locale), brand: experience };
}

async function fileExists(file: string): Promise<boolean> {
  return access(file).then(() => true, () => false);
}

/** What the SPA reads before anyone signs in: how to reach Sesame as its OIDC client. */
function consoleConfig(issuer: string, productName: string) {
  return {
    issuer,
    clientId: consoleClientId,
    redirectUri: consoleRedirectUri(issuer),
    postLogoutRedirectUri: consoleUrl(issuer),
    managementApi: managementApiIndicator(issuer),
    /** The resource indicator (RFC 8707) to ask a token for: the Management API, whose base URL it also is. */
    resource: managementApiIndicator(issuer),
    scope: `openid profile email ${managementScope}`,
    productName,
  };
}

function setupCsrfSubject(token: string, nonce: string): string {
  return `console-setup:${hashSetupToken(token)}:${nonce}`;
}

/** The first-admin form and the admin console's static build, both under /console. */
export function consoleRoutes(deps: ConsoleDeps): Router {
  const router = new Router();
  const form = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });

  router.get('/console/config.json', function serveConsoleConfig(ctx) {
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = consoleConfig(deps.issuer, signInExperienceOf(ctx).productName);
  });

  function sendInvalidLink(ctx: Context) {
    const { locale, t, brand } = pageContext(ctx);
    sendPage(ctx, messagePage({
      t, locale, brand, title: t('setup.title'), text: t('setup.invalid'),
      extra: html`<p><a href="/console">${t('setup.openConsole')}</a></p>`,
    }), 410);
  }

  function renderSetup(ctx: Context, token: string, nonce: string, values: { username?: string; email?: string; error?: string } = {}, status = 200) {
    const { locale, t, brand } = pageContext(ctx);
    sendPage(ctx, setupPage({
      t, locale, brand, action: '/console/setup', token, csrf: deps.csrf.issue(setupCsrfSubject(token, nonce)), ...values,
    }), status);
  }

  /**
   * The setup link is a secret: from one IP, a few wrong ones are answered, then each makes it wait longer.
   * Answers whether the request may go on (a valid link); otherwise it has been answered.
   */
  async function checkSetupLink(ctx: Context, token: string): Promise<boolean> {
    const ip = clientIp(ctx.req, ctx.app.proxy);
    const wait = await deps.throttle.retryAfter(setupSubjects(ip));
    if (!wait && await isSetupTokenValid(deps.db, token)) return true;
    // Once an admin exists no link works: a wrong one guesses nothing, and the operator may still open a used one.
    const counted = !wait && await isSetupOpen(deps.db);
    const blocked = wait || (counted ? await deps.throttle.recordFailure(setupSubjects(ip), { ip, userAgent: ctx.get('user-agent') }) : 0);
    if (!blocked) {
      sendInvalidLink(ctx);
      return false;
    }
    const { locale, t, brand } = pageContext(ctx);
    setRetryAfter(ctx, blocked);
    sendPage(ctx, messagePage({ t, locale, brand, title: t('setup.title'), text: tooManyAttempts(t, blocked) }), 429);
    return false;
  }

  router.get('/console/setup', async function showSetup(ctx) {
    const token = typeof ctx.query.token === 'string' ? ctx.query.token : '';
    if (!(await checkSetupLink(ctx, token))) return;
    // The form's CSRF token is bound to this browser by a cookie no other site can make it send.
    const nonce = randomBytes(16).toString('base64url');
    ctx.cookies.set(setupCookie, nonce, { path: '/console/setup', httpOnly: true, sameSite: 'strict', secure: ctx.secure, maxAge: 3600_000, overwrite: true });
    renderSetup(ctx, token, nonce);
  });

  router.post('/console/setup', form, async function submitSetup(ctx) {
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const token = typeof body.token === 'string' ? body.token.slice(0, 200) : '';
    const nonce = ctx.cookies.get(setupCookie) ?? '';
    const { locale, t, brand } = pageContext(ctx);
    if (!(await checkSetupLink(ctx, token))) return;
    if (!nonce || !deps.csrf.verify(setupCsrfSubject(token, nonce), body.csrf)) {
      return sendPage(ctx, messagePage({ t, locale, brand, title: t('error.title'), text: t('error.forbidden') }), 403);
    }
    const { form: typed, error } = readNewAccountForm(body, t);
    const again = { username: typed.username, email: typed.email };
    if (error) return renderSetup(ctx, token, nonce, { ...again, error }, 400);
    let admin;
    try {
      admin = await createFirstAdmin(deps.db, token, { username: typed.username, email: typed.email || undefined, password: typed.password }, requestOrigin(ctx));
      deps.logger.info({ userId: admin.id }, 'first admin created through the setup link');
    } catch (failure) {
      if (failure instanceof ServiceError && failure.code === 'setup.link_invalid') return sendInvalidLink(ctx);
      if (failure instanceof ServiceError && failure.code === 'user.exists') return renderSetup(ctx, token, nonce, { ...again, error: t('signUp.taken') }, 409);
      throw failure;
    }
    ctx.cookies.set(setupCookie, null, { path: '/console/setup', httpOnly: true, sameSite: 'strict', secure: ctx.secure, overwrite: true });
    // The console's sign-in, which starts at /console, takes this instead of asking for the password just chosen.
    ctx.cookies.set(setupSignInCookie, await issueSetupSignIn(deps.db, admin.id), {
      path: '/interaction', httpOnly: true, sameSite: 'strict', secure: ctx.secure, maxAge: setupSignInTtlSeconds * 1000, overwrite: true,
    });
    ctx.status = 303;
    ctx.redirect('/console');
  });

  router.get('/console{/*rest}', async function serveConsole(ctx) {
    ctx.set('Content-Security-Policy', consoleContentSecurityPolicy);
    if (!(await fileExists(path.join(deps.consoleDir, 'index.html')))) {
      const { locale, t, brand } = pageContext(ctx);
      ctx.set('Retry-After', '60');
      return sendPage(ctx, messagePage({ t, locale, brand, title: t('console.missing.title'), text: t('console.missing.text') }), 503);
    }
    const file = ctx.path.slice('/console'.length).replace(/^\/+/, '');
    if (file && file !== 'index.html') {
      const isAsset = file.startsWith('assets/');
      ctx.set('Cache-Control', isAsset ? immutable : 'no-cache');
      // @koa/send resolves the path inside the root (resolve-path): `..`, absolute paths and NUL are refused.
      const served = await send(ctx, file, { root: deps.consoleDir, index: false, hidden: false }).catch((error: { status?: number }) => {
        if (error.status === 404) return undefined;
        throw error;
      });
      if (served) {
        ctx.vary('Accept-Encoding');
        if (ctx.fresh) {
          ctx.status = 304;
          ctx.body = null;
        }
        return;
      }
      ctx.remove('Cache-Control');
      ctx.remove('Content-Encoding');
      // A missing file is a 404; a path without a file extension is one of the app's own routes.
      if (isAsset || /\.[A-Za-z0-9]+$/.test(file)) {
        ctx.status = 404;
        ctx.type = 'text/plain';
        ctx.body = 'Not found';
        return;
      }
    }
    ctx.set('Cache-Control', 'no-store');
    await send(ctx, 'index.html', { root: deps.consoleDir, index: false, brotli: false, gzip: false });
  });

  return router;
}
