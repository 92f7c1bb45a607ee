import type { Context, Middleware } from 'koa';
import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import type { Directory } from '../cache/directory.ts';
import type { Application } from '../db/tables.ts';
import { isStorableText } from '../db/text.ts';
import { messagePage } from '../pages/message.page.ts';
import { pageContentSecurityPolicyFor } from '../pages/layout.ts';
import { pageContext } from '../pages/page-context.ts';

/**
 * provider.use: an app that arrived by itself signs no one in until an admin approved it (DESIGN.md §7). Instead of
 * sign-in or consent, the person sees a page saying the app waits for the administrator, or that it was refused.
 * Never an error redirect: the app's redirect URIs are exactly what nobody vouched for yet.
 *
 * A known app is stopped before oidc-provider runs, so nothing is stored for it. An app described by a client ID
 * metadata document has its row read while oidc-provider loads the client (src/oidc/client-id-metadata-document.ts,
 * `noteLoadedApp`): that row decides, once oidc-provider answered, and its answer (a redirect to the sign-in page,
 * or its refusal of a denied app) is replaced by the page. It is the app's first row when the app arrives with this
 * very request, and newer than this node's copy when an admin decided elsewhere a moment ago.
 */
export function holdUnapprovedApps(directory: Directory, authorizationPath: string): Middleware {
  return async function holdUnapprovedApp(ctx, next) {
    if (ctx.path !== authorizationPath) return next();
    // What no row could hold (NUL, lone surrogates) names no app; oidc-provider refuses it as it does any unknown one.
    const clientId = typeof ctx.query.client_id === 'string' && isStorableText(ctx.query.client_id) ? ctx.query.client_id : undefined;
    const known = clientId ? await directory.application(clientId) : undefined;
    if (known && known.status !== 'approved') return showHeld(ctx, known);
    await next();
    const loaded = loadedApps.get(ctx);
    if (loaded && loaded.status !== 'approved') showHeld(ctx, loaded);
  };
}

/** The app row the engine's load of a request's client read, by the request's context. */
const loadedApps = new WeakMap<object, Application>();

/** Called by the client ID metadata document's check with the row it read for the app, before it allows or refuses it. */
export function noteLoadedApp(ctx: object, app: Application): void {
  loadedApps.set(ctx, app);
}

function showHeld(ctx: Context, app: Application): void {
  const { locale, t, brand } = pageContext(ctx, ctx.query.ui_locales);
  const name = app.display_name ?? app.name;
  const pending = app.status === 'pending';
  ctx.remove('Location');
  ctx.status = 403;
  ctx.type = 'html';
  ctx.set('Content-Security-Policy', pageContentSecurityPolicyFor(brand));
  ctx.set('Cache-Control', 'no-store');
  ctx.body = messagePage({
    t, locale, brand,
    title: t(pending ? 'appPending.title' : 'appDenied.title'),
    text: t(pending ? 'appPending.text' : 'appDenied.text', { app: name }),
    code: pending ? 'app_pending_approval' : 'app_denied',
  });
}

/**
 * extraParams validator, run on the device authorization endpoint (RFC 8628 §3.1) once oidc-provider knows the
 * client and before a device code is stored: an app that arrived by itself and is pending or denied gets no code.
 * There is no browser to show a page to, so the device hears an OAuth error saying why.
 */
export function refuseUnapprovedDeviceApps(directory: Directory) {
  return async function refuseUnapprovedDeviceApp(ctx: KoaContextWithOIDC): Promise<void> {
    if (ctx.oidc.route !== 'device_authorization' || !ctx.oidc.client) return;
    const app = await directory.application(ctx.oidc.client.clientId);
    if (!app || app.status === 'approved') return;
    throw new errors.UnauthorizedClient(app.status === 'pending'
      ? 'this app waits for an administrator to approve it; try again once it is approved'
      : 'an administrator refused this app; it cannot sign anyone in');
  };
}
