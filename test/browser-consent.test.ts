import * as client from 'openid-client';
import { decodeJwt } from 'jose';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { en } from '../src/i18n/locales/en.ts';
import { interceptRedirects, launchBrowser, loopbackListener, newPerson, screenshot, signInOnPage } from './support/browser.ts';
import { allow, giveRole } from './support/consent.ts';
import { authorizationRequest, exchangeCode, relyingParty, type AuthorizationRequest, type RelyingParty } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';

/**
 * The consent journey in a real browser (Debian's chromium): the app is this test process, using
 * openid-client; the browser only navigates, and the app's redirect is caught on its way to the app.
 */
const file = import.meta.filename;
const api = { name: 'Notes API', indicator: 'https://api.partner.example.com/notes', scopes: ['read:notes', 'write:notes'] };
const partnerRedirect = 'https://partner.example.com/callback';
const branding = {
  display_name: 'Partner Notes',
  logo_url: 'https://partner.example.com/logo-light.svg',
  logo_dark_url: 'https://partner.example.com/logo-dark.svg',
  terms_url: 'https://partner.example.com/terms',
  privacy_url: 'https://partner.example.com/privacy',
};
const logo = (fill: string, text: string) => ({
  type: 'image/svg+xml',
  body: `<svg xmlns="http://www.w3.org/2000/svg" width="48" height="48"><rect width="48" height="48" rx="10" fill="${fill}"/><text x="24" y="32" font-size="22" font-family="sans-serif" text-anchor="middle" fill="${text}">PN</text></svg>`,
});
const partnerAssets = { '/logo-light.svg': logo('#0ea5e9', '#fff'), '/logo-dark.svg': logo('#fde047', '#111') };

let browser: Browser;
let sesame: TestSesame;
let partner: RelyingParty;
let native: RelyingParty;
let nativeListener: Awaited<ReturnType<typeof loopbackListener>>;
let ada: { id: string; login: string; password: string };
let bob: { id: string; login: string; password: string };
/** Ada's browser: signed in once, used across tests like a person's own browser. */
let adaBrowser: Awaited<ReturnType<typeof person>>;
let adaRefreshToken: string;

beforeAll(async () => {
  [browser, sesame, nativeListener] = await Promise.all([launchBrowser(), startTestSesame(), loopbackListener()]);
  const [a, b] = await Promise.all([
    sesame.createUser({ username: 'ada', name: 'Ada Lovelace', email: 'ada@example.com' }),
    sesame.createUser({ username: 'bob', name: 'Bob Builder', email: 'bob@example.com' }),
  ]);
  ada = { id: a.id, login: a.username, password: a.password };
  bob = { id: b.id, login: b.username, password: b.password };

  const web = await sesame.createApp({ name: 'Partner', type: 'traditional', third_party: true, redirect_uris: [partnerRedirect] });
  await sesame.sesame.db.updateTable('applications').set(branding).where('id', '=', web.clientId).execute();
  await giveRole(sesame, ada.id, api, ['read:notes']);
  await allow(sesame, web.clientId, ['profile', 'email'], [{ indicator: api.indicator, scope: 'read:notes' }]);
  partner = await relyingParty(sesame, web, partnerRedirect);

  // Registered without a port: a native app's loopback redirect may use any port (RFC 8252 §7.3).
  const desktop = await sesame.createApp({ name: 'Desktop Notes', type: 'native', third_party: true, redirect_uris: ['http://127.0.0.1/callback'] });
  await allow(sesame, desktop.clientId, ['profile']);
  native = await relyingParty(sesame, desktop, nativeListener.redirectUri);
});

afterAll(async () => {
  await browser?.close();
  await nativeListener?.close();
  await sesame?.stop();
});

/** A person with a fresh browser, whose requests to the partner app's origin land in the test. */
async function person() {
  const { context, page } = await newPerson(browser);
  const app = await interceptRedirects(context, partnerRedirect, partnerAssets);
  return { context, page, app };
}

/**
 * Starts an authorization in the browser: openid-client builds the URL; the browser goes there from the
 * web app's own page, or straight away for the native app (which has none; its listener is real).
 */
async function authorize(page: Page, rp: RelyingParty, params: Record<string, string>, app?: { open(page: Page, url: string): Promise<void> }): Promise<AuthorizationRequest> {
  const request = await authorizationRequest(rp, params);
  if (app) await app.open(page, request.url.toString());
  else await page.goto(request.url.toString());
  return request;
}

const authorizeButton = (page: Page) => page.getByRole('button', { name: 'Authorize', exact: true });

/** Where the browser ends up next: at the app's redirect URI (the app's callback), or on a consent screen. */
async function outcome(page: Page, app: { redirectUri: string; next(): Promise<URL> }): Promise<URL | 'consent'> {
  const asked = authorizeButton(page).waitFor().then(() => 'consent' as const);
  const sent = page.waitForURL((url) => url.href.startsWith(app.redirectUri)).then(() => 'sent' as const);
  // The loser of the race settles later; it must not surface as an unhandled rejection.
  asked.catch(() => undefined);
  sent.catch(() => undefined);
  return (await Promise.race([asked, sent])) === 'consent' ? 'consent' : app.next();
}

/** The values of the permission checkboxes on the page, in order. */
const permissionValues = (page: Page) => page.getByRole('checkbox').evaluateAll((boxes) => boxes.map((b) => (b as HTMLInputElement).value));

const logoSource = (page: Page) => page.getByRole('img', { name: 'Partner Notes logo' }).evaluate((img) => (img as HTMLImageElement).currentSrc);

describe('consent in a browser', () => {
  it('signs in to a third-party web app through its branded consent screen; the tokens lack what was unticked', async () => {
    adaBrowser = await person();
    const { page, app } = adaBrowser;
    const request = await authorize(page, partner, { scope: 'openid profile email offline_access' }, app);

    await expect.poll(() => page.title()).toBe('Sign in');
    await expect.poll(() => page.getByText('to continue to Partner Notes').isVisible()).toBe(true);
    await screenshot(page, file, 'sign-in');
    await signInOnPage(page, ada);

    await authorizeButton(page).waitFor();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Partner Notes wants to access your account');
    expect(await page.getByText('Signed in as Ada Lovelace (ada)').isVisible()).toBe(true);
    expect(await page.getByRole('link', { name: 'Terms of use' }).getAttribute('href')).toBe(branding.terms_url);
    expect(await page.getByRole('link', { name: 'Privacy policy' }).getAttribute('href')).toBe(branding.privacy_url);
    expect(await page.getByText('You will be sent to https://partner.example.com.').isVisible()).toBe(true);

    // The permissions as configured: openid cannot be unticked, the rest start ticked.
    expect(await permissionValues(page)).toEqual(['openid', 'profile', 'email', 'offline_access']);
    const openid = page.getByRole('checkbox', { name: en['scope.openid'] });
    expect(await openid.isChecked()).toBe(true);
    expect(await openid.isDisabled()).toBe(true);
    for (const scope of ['profile', 'email', 'offline_access'] as const) {
      const box = page.getByRole('checkbox', { name: en[`scope.${scope}`], exact: true });
      expect(await box.isChecked(), scope).toBe(true);
      expect(await box.isEnabled(), scope).toBe(true);
    }

    // The app's logo for the light theme, and the one for the dark theme when the person uses it.
    await expect.poll(() => logoSource(page)).toBe(branding.logo_url);
    await expect.poll(() => page.getByRole('img', { name: 'Partner Notes logo' }).evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBe(48);
    await screenshot(page, file, 'consent-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(() => logoSource(page)).toBe(branding.logo_dark_url);
    await screenshot(page, file, 'consent-dark');
    await page.emulateMedia({ colorScheme: 'light' });

    await page.getByRole('checkbox', { name: en['scope.email'], exact: true }).uncheck();
    await authorizeButton(page).click();
    const callback = await app.next();
    // The app's page loads before the next test navigates this same tab (on a loaded machine it was still loading).
    await page.waitForURL((url) => url.href.startsWith(partnerRedirect));
    const tokens = await exchangeCode(partner, request, callback);
    expect(tokens.scope?.split(' ')).toEqual(expect.arrayContaining(['openid', 'profile']));
    expect(tokens.scope?.split(' ')).not.toContain('email');
    expect(tokens.refresh_token, 'offline_access ticked on the consent screen gives a refresh token').toBeTruthy();
    adaRefreshToken = tokens.refresh_token!;
    const info = await client.fetchUserInfo(partner.config, tokens.access_token, ada.id);
    expect(info.name).toBe('Ada Lovelace');
    expect(info.email, 'email was unticked').toBeUndefined();
  });

  it('returns access_denied with state and iss to the app when the person cancels', async () => {
    const { page, app } = adaBrowser;
    // Email was refused last time, so asking for it shows the screen again.
    const request = await authorize(page, partner, { scope: 'openid email' }, app);
    expect(await outcome(page, app)).toBe('consent');
    expect(await permissionValues(page)).toEqual(['openid', 'email']);
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    const callback = await app.next();
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('state')).toBe(request.state);
    expect(callback.searchParams.get('iss')).toBe(sesame.url);
    expect(callback.searchParams.has('code')).toBe(false);
    // openid-client checks iss and state itself and reports the error the app gets.
    await expect(exchangeCode(partner, request, callback)).rejects.toMatchObject({ error: 'access_denied' });
  });

  it('does not ask again in a fresh browser, and asks only for a scope not yet granted', async () => {
    const { context, page, app } = await person();
    try {
      const request = await authorize(page, partner, { scope: 'openid profile offline_access' }, app);
      await signInOnPage(page, ada);
      const first = await outcome(page, app);
      expect(first, 'remembered consent: no consent screen').toBeInstanceOf(URL);
      const tokens = await exchangeCode(partner, request, first as URL);
      expect(tokens.scope?.split(' ').sort()).toEqual(['offline_access', 'openid', 'profile']);
      expect(tokens.refresh_token, 'offline access is remembered too').toBeTruthy();

      // A new scope (of an API resource), plus one that was already granted: the screen asks for the new one only.
      const more = await authorize(page, partner, { scope: 'openid profile read:notes write:notes', resource: api.indicator }, app);
      expect(await outcome(page, app)).toBe('consent');
      expect(await permissionValues(page), 'write:notes is not on the allowlist').toEqual(['openid', `${api.indicator} read:notes`]);
      expect(await page.getByRole('group', { name: `Access to ${api.name}` }).getByRole('checkbox', { name: 'Can read notes' }).isChecked()).toBe(true);
      await authorizeButton(page).click();
      const granted = await exchangeCode(partner, more, await app.next(), { resource: api.indicator });
      const access = decodeJwt(granted.access_token);
      expect(access.aud).toBe(api.indicator);
      expect(access.scope).toBe('read:notes');
    } finally {
      await context.close();
    }
  });

  it('refuses to be framed by another site', async () => {
    const { context, page, app } = await person();
    const framer = await loopbackListener('/unused');
    try {
      await authorize(page, partner, { scope: 'openid email' }, app);
      await signInOnPage(page, ada);
      expect(await outcome(page, app)).toBe('consent');
      const consentUrl = page.url();
      const response = await page.reload();
      expect(response?.headers()['x-frame-options']).toBe('DENY');
      expect(response?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");

      // Another origin's page frames one of its own pages (which shows) and the consent page (which must not).
      const attacker = await context.newPage();
      framer.pages['/own'] = '<!doctype html><p id="own">framed fine</p>';
      framer.pages['/'] = `<!doctype html><iframe id="own" src="/own"></iframe><iframe id="idp" src="${consentUrl}"></iframe>`;
      const idpResponse = attacker.waitForResponse((r) => r.url() === consentUrl);
      await attacker.goto(`${framer.origin}/`);
      expect((await idpResponse).headers()['x-frame-options']).toBe('DENY');
      const own = await (await attacker.locator('iframe#own').elementHandle())!.contentFrame();
      await expect.poll(() => own!.locator('#own').textContent()).toBe('framed fine');
      const idp = await (await attacker.locator('iframe#idp').elementHandle())!.contentFrame();
      // The page's load waited for both frames: chromium put its error page in place of Sesame's.
      expect(idp!.url()).toMatch(/^chrome-error:/);
      expect(await idp!.getByRole('button').count()).toBe(0);
    } finally {
      await context.close();
      await framer.close();
    }
  });

  it('"Not you?" signs in as someone else, and the consent is then theirs', async () => {
    const { context, page, app } = await person();
    try {
      const request = await authorize(page, partner, { scope: 'openid profile', prompt: 'consent' }, app);
      await signInOnPage(page, ada);
      expect(await outcome(page, app)).toBe('consent');
      expect(await page.getByText('Signed in as Ada Lovelace (ada)').isVisible()).toBe(true);

      await page.getByRole('link', { name: 'Not you?' }).click();
      await page.getByLabel('Username or email').waitFor();
      expect(await page.getByLabel('Username or email').inputValue(), 'the sign-in form is empty for the other person').toBe('');
      await signInOnPage(page, bob);
      expect(await outcome(page, app)).toBe('consent');
      expect(await page.getByText('Signed in as Bob Builder (bob)').isVisible()).toBe(true);
      await authorizeButton(page).click();
      const tokens = await exchangeCode(partner, request, await app.next());
      expect(tokens.claims()?.sub).toBe(bob.id);
      expect((await client.fetchUserInfo(partner.config, tokens.access_token, bob.id)).name).toBe('Bob Builder');

      // Switching ended Ada's session in this browser, not her remembered consent: her own browser is not asked.
      await authorize(adaBrowser.page, partner, { scope: 'openid profile' }, adaBrowser.app);
      expect(await outcome(adaBrowser.page, adaBrowser.app)).toBeInstanceOf(URL);
    } finally {
      await context.close();
    }
  });

  it('signs in to a third-party native app on a loopback redirect, asking every time', async () => {
    const { context, page } = await newPerson(browser);
    try {
      for (let time = 1; time <= 2; time++) {
        const request = await authorize(page, native, { scope: 'openid profile' });
        if (time === 1) await signInOnPage(page, ada);
        await authorizeButton(page).waitFor();
        expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Desktop Notes wants to access your account');
        expect(await page.getByText(`You will be sent to ${nativeListener.origin}.`).isVisible()).toBe(true);
        expect(await permissionValues(page)).toEqual(['openid', 'profile']);
        if (time === 1) {
          await screenshot(page, file, 'consent-native');
          await page.getByRole('checkbox', { name: en['scope.profile'], exact: true }).uncheck();
        }
        await authorizeButton(page).click();
        const callback = await nativeListener.next();
        expect(callback.port, 'the port the app listens on, not one registered').toBe(new URL(nativeListener.origin).port);
        const tokens = await exchangeCode(native, request, callback);
        const info = await client.fetchUserInfo(native.config, tokens.access_token, ada.id);
        if (time === 1) {
          expect(tokens.scope, 'profile was unticked').toBe('openid');
          expect(info.name).toBeUndefined();
        } else {
          expect(tokens.scope).toBe('openid profile');
          expect(info.name).toBe('Ada Lovelace');
        }
      }
    } finally {
      await context.close();
    }
  });

  it('revoking on the account page ends the refresh token, and the next sign-in asks again', async () => {
    const { page, app } = adaBrowser;
    await page.goto(`${sesame.url}/account`);
    await page.getByRole('heading', { name: 'Connected apps' }).waitFor();
    const entry = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'Partner Notes' }) });
    expect(await entry.locator('.permission-label').allTextContents()).toEqual(expect.arrayContaining([en['scope.profile'], en['scope.offline_access'], 'Can read notes']));
    await screenshot(page, file, 'account');

    // Refresh tokens rotate: the app holds the newest one, which works until access is revoked.
    const refreshed = await client.refreshTokenGrant(partner.config, adaRefreshToken);
    const refreshToken = refreshed.refresh_token ?? adaRefreshToken;
    await entry.getByRole('button', { name: 'Revoke access' }).click();
    // It asks first, saying what the app loses; nothing is revoked until the person confirms.
    await page.getByRole('heading', { name: 'Revoke access of Partner Notes?' }).waitFor();
    expect(await page.getByRole('listitem').allTextContents()).toEqual(expect.arrayContaining([en['scope.profile'], 'Can read notes']));
    await screenshot(page, file, 'account-revoke-confirm');
    await page.getByRole('button', { name: 'Revoke access' }).click();
    await page.getByRole('status').filter({ hasText: 'Partner Notes no longer has access to your account.' }).waitFor();
    expect(await page.getByRole('heading', { name: 'Partner Notes' }).count()).toBe(0);
    await screenshot(page, file, 'account-revoked');

    await expect(client.refreshTokenGrant(partner.config, refreshToken)).rejects.toMatchObject({ error: 'invalid_grant' });
    await authorize(page, partner, { scope: 'openid profile' }, app);
    expect(await outcome(page, app)).toBe('consent');
    expect(await permissionValues(page)).toEqual(['openid', 'profile']);
  });
});
