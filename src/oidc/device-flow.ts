import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import type { Directory } from '../cache/directory.ts';
import { clientIp } from '../http/client-ip.ts';
import { deviceConfirmPage, userCodePage } from '../pages/device-code.page.ts';
import { messagePage } from '../pages/message.page.ts';
import { pageContentSecurityPolicyFor } from '../pages/layout.ts';
import { pageContext, type PageContext } from '../pages/page-context.ts';
import { describeDevice } from '../sessions/device.ts';
import { signInExperienceOf } from '../sign-in-experience/sign-in-experience.middleware.ts';
import { markWrongUserCode } from './device-code-throttle.ts';

/**
 * The device authorization grant (RFC 8628) as oidc-provider runs it, dressed as Sesame's pages: the code entry,
 * the confirmation of the device, the end (signed in, refused, expired). Sign-in and consent in between are the
 * usual interaction pages (src/interaction/). oidc-provider checks the code, its `xsrf` field and the session.
 */

type DeviceFlowOptions = NonNullable<NonNullable<Configuration['features']>['deviceFlow']>;

/** The page's language: `ui_locales` on the verification URL (kept in the forms' action), the device's request, then Accept-Language. */
function deviceLocale(ctx: KoaContextWithOIDC): PageContext & { uiLocales?: string } {
  const fromUrl = typeof ctx.query.ui_locales === 'string' ? ctx.query.ui_locales.slice(0, 64) : undefined;
  const fromDevice = (ctx.oidc?.params as { ui_locales?: unknown } | undefined)?.ui_locales;
  return { ...pageContext(ctx, fromUrl ?? fromDevice), uiLocales: fromUrl };
}

function send(ctx: KoaContextWithOIDC, body: string) {
  ctx.type = 'html';
  ctx.set('Content-Security-Policy', pageContentSecurityPolicyFor(signInExperienceOf(ctx)));
  ctx.set('Cache-Control', 'no-store');
  ctx.body = body;
}

/** oidc-provider's form carries the CSRF value its POST checks; Sesame's own form posts the same field. */
const xsrfOf = (form: string) => /name="xsrf" value="([^"]*)"/.exec(form)?.[1] ?? '';

const actionOf = (ctx: KoaContextWithOIDC, uiLocales?: string) =>
  `${ctx.oidc.urlFor('code_verification')}${uiLocales ? `?ui_locales=${encodeURIComponent(uiLocales)}` : ''}`;

/** Error names of oidc-provider's re-rendered device pages (lib/helpers/re_render_errors.js). */
type DeviceError = { name?: string; userCode?: string; error?: string } | undefined;

/** The code entry page, again after an error; or the end of the road for a code that cannot be used any more. */
async function userCodeInputSource(ctx: KoaContextWithOIDC, form: string, _out?: unknown, err?: DeviceError) {
  const { t, locale, brand, uiLocales } = deviceLocale(ctx);
  const end = (title: string, text: string) => send(ctx, messagePage({ t, locale, brand, title, text }));
  switch (err?.name) {
    case 'ExpiredError': return end(t('device.expired.title'), t('device.expired.text'));
    case 'AlreadyUsedError': return end(t('device.used.title'), t('device.used.text'));
    case 'AbortedError': return end(t('device.denied.title'), t('device.denied.text'));
    default: break;
  }
  if (err?.name === 'NotFoundError' && err.userCode !== undefined) markWrongUserCode(ctx);
  const error = !err ? undefined
    : err.name === 'NotFoundError' ? t('device.wrongCode')
      : err.name === 'NoCodeError' ? t('device.missingCode')
        : t('device.failed.text');
  send(ctx, userCodePage({
    t, locale, brand, action: actionOf(ctx, uiLocales), xsrf: xsrfOf(form), error,
    code: err?.name === 'NotFoundError' ? err.userCode?.slice(0, 64) : undefined,
  }));
}

/** A device in words for the confirmation: "Chrome on Android", or "an unknown device" (a CLI's User-Agent says little). */
function deviceWords(t: PageContext['t'], userAgent: unknown): string {
  const device = describeDevice(typeof userAgent === 'string' ? userAgent.slice(0, 512) : null);
  if (device.browser && device.os) return t('sessions.device', { browser: device.browser, os: device.os });
  return device.browser ?? device.os ?? t('device.unknownDevice');
}

function userCodeConfirmSource(directory: Directory) {
  return async function renderDeviceConfirm(
    ctx: KoaContextWithOIDC, form: string, client: { clientId: string; clientName?: string }, deviceInfo: { ip?: unknown; ua?: unknown } | undefined, userCode: string,
  ) {
    const { t, locale, brand, uiLocales } = deviceLocale(ctx);
    const app = await directory.application(client.clientId);
    send(ctx, deviceConfirmPage({
      t, locale, brand, action: actionOf(ctx, uiLocales), xsrf: xsrfOf(form), userCode,
      app: { name: app?.display_name ?? app?.name ?? client.clientName ?? client.clientId, logoUrl: app?.logo_url, logoDarkUrl: app?.logo_dark_url },
      device: deviceWords(t, deviceInfo?.ua),
      ip: typeof deviceInfo?.ip === 'string' ? deviceInfo.ip : '?',
    }));
  };
}

async function successSource(ctx: KoaContextWithOIDC) {
  const { t, locale, brand } = deviceLocale(ctx);
  const app = ctx.oidc.client?.clientName ?? ctx.oidc.client?.clientId ?? '';
  send(ctx, messagePage({ t, locale, brand, title: t('device.success.title'), text: t('device.success.text', { app }) }));
}

export function deviceFlowFeature({ directory }: { directory: Directory }): DeviceFlowOptions {
  return {
    enabled: true,
    // Twenty consonants, eight of them: no vowels (no words), nothing that reads alike (0/O, 1/I), 2^34 codes.
    charset: 'base-20',
    mask: '****-****',
    deviceInfo: (ctx) => ({ ip: clientIp(ctx.req, ctx.app.proxy), ua: ctx.get('user-agent').slice(0, 512) }),
    userCodeInputSource: userCodeInputSource as DeviceFlowOptions['userCodeInputSource'],
    userCodeConfirmSource: userCodeConfirmSource(directory) as DeviceFlowOptions['userCodeConfirmSource'],
    successSource,
  };
}
