import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interceptRedirects, launchBrowser, newPerson, screenshot, signInOnPage } from './support/browser.ts';
import { LogoutReceiver, verifyLogoutToken } from './support/logout-receiver.ts';
import { authorizationRequest, exchangeCode, relyingParty, type RelyingParty } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';

/**
 * "Where you are signed in" on /account, in chromium: a person signed in on a laptop and a phone sees both, signs
 * the phone out from the laptop (the phone's app is told over the back channel), then signs out everywhere.
 */
const file = import.meta.filename;
const notesRedirect = 'https://notes.example.com/cb';
const iphone = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

let browser: Browser;
let sesame: TestSesame;
let receiver: LogoutReceiver;
let notes: RelyingParty;
let person: { login: string; password: string };

beforeAll(async () => {
  [browser, sesame, receiver] = await Promise.all([launchBrowser(), startTestSesame({ SESAME_LOGOUT_RETRY_SECONDS: '1' }), new LogoutReceiver().start()]);
  const user = await sesame.createUser({ username: 'grace', name: 'Grace Hopper', email: 'grace@example.com' });
  person = { login: user.username, password: user.password };
  const app = await sesame.createApp({
    name: 'Notes', type: 'traditional', redirect_uris: [notesRedirect],
    backchannel_logout_uri: receiver.uri, backchannel_logout_session_required: true,
  });
  notes = await relyingParty(sesame, app, notesRedirect);
});
afterAll(async () => {
  await browser?.close();
  await receiver?.stop();
  await sesame?.stop();
});

/** Opens /account, signing in on the way when asked to. */
async function openAccount(page: Page): Promise<void> {
  await page.goto(`${sesame.url}/account`);
  if (await page.getByLabel('Password', { exact: true }).count()) await signInOnPage(page, person);
  await page.getByRole('heading', { name: 'Where you are signed in' }).waitFor();
}

const sessionItems = (page: Page) => page.locator('li.session');

describe('sessions on /account', () => {
  it('lists both devices, signs the phone out from the laptop, then signs out everywhere after asking', async () => {
    const laptop = await newPerson(browser);
    const phone = await newPerson(browser, { userAgent: iphone, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    try {
      // The phone signs in to Notes (and so to Sesame), then opens its account page.
      const notesApp = await interceptRedirects(phone.context, notesRedirect);
      const request = await authorizationRequest(notes);
      await notesApp.open(phone.page, request.url.toString());
      await signInOnPage(phone.page, person);
      const tokens = await exchangeCode(notes, request, await notesApp.next());
      const phoneSid = tokens.claims()!.sid;
      // The app's callback page finishes loading before the next navigation, which it would otherwise interrupt.
      await phone.page.waitForURL((url) => url.href.startsWith(notesRedirect));
      await openAccount(phone.page);

      await openAccount(laptop.page);
      await expect.poll(() => sessionItems(laptop.page).count()).toBe(2);
      const mine = sessionItems(laptop.page).first();
      expect(await mine.getByText('This device').count()).toBe(1);
      expect(await mine.getByRole('heading', { level: 3 }).textContent()).toMatch(/^Chrome on Linux/);
      const phoneItem = sessionItems(laptop.page).filter({ has: laptop.page.getByRole('heading', { name: 'Safari on iOS' }) });
      expect(await phoneItem.textContent()).toMatch(/Signed in .* From 127\.0\.0\.1/s);
      await screenshot(laptop.page, file, 'account-sessions');

      const before = receiver.accepted().length;
      await phoneItem.getByRole('button', { name: 'Sign out: Safari on iOS' }).click();
      await laptop.page.getByRole('status').filter({ hasText: 'The session is signed out.' }).waitFor();
      expect(await sessionItems(laptop.page).count()).toBe(1);
      await screenshot(laptop.page, file, 'account-session-ended');

      // The phone's Notes session is told; its account page asks it to sign in again.
      const [delivery] = (await receiver.waitForAccepted(before + 1)).slice(before);
      expect((await verifyLogoutToken(delivery!.token, sesame.url, notes.clientId)).sid).toBe(phoneSid);
      await phone.page.goto(`${sesame.url}/account`);
      await phone.page.getByLabel('Password', { exact: true }).waitFor();

      // Everywhere, this laptop included, after a confirmation.
      await laptop.page.getByRole('link', { name: 'Sign out everywhere' }).click();
      await laptop.page.getByRole('heading', { name: 'Sign out everywhere?' }).waitFor();
      await screenshot(laptop.page, file, 'sign-out-everywhere-confirm');
      await laptop.page.getByRole('button', { name: 'Sign out everywhere' }).click();
      await laptop.page.getByRole('heading', { name: 'Signed out everywhere' }).waitFor();
      await screenshot(laptop.page, file, 'signed-out-everywhere');
      await laptop.page.goto(`${sesame.url}/account`);
      await laptop.page.getByLabel('Password', { exact: true }).waitFor();
    } finally {
      await laptop.context.close();
      await phone.context.close();
    }
  });

  it('cancelling "sign out everywhere" keeps every session', async () => {
    const laptop = await newPerson(browser, { locale: 'fr-FR' });
    try {
      await laptop.page.goto(`${sesame.url}/account`);
      await signInOnPage(laptop.page, person, { 'signIn.login': "Nom d'utilisateur ou e-mail", 'signIn.password': 'Mot de passe', 'signIn.submit': 'Se connecter' });
      await laptop.page.getByRole('heading', { name: 'Où vous êtes connecté' }).waitFor();
      await screenshot(laptop.page, file, 'account-sessions-fr');
      await laptop.page.getByRole('link', { name: 'Se déconnecter partout' }).click();
      await laptop.page.getByRole('link', { name: 'Annuler' }).click();
      await laptop.page.getByRole('heading', { name: 'Où vous êtes connecté' }).waitFor();
      expect(await laptop.page.getByText('Cet appareil').count()).toBe(1);
    } finally {
      await laptop.context.close();
    }
  });
});

describe('the console\'s back-channel logout field', () => {
  it('shows the server\'s message at the field for an insecure URI, and saves a good one', async () => {
    const admin = await sesame.createUser({ username: 'console-admin', admin: true });
    const app = await sesame.createApp({ name: 'Console notes', type: 'traditional', redirect_uris: ['https://console-notes.example.com/cb'] });
    const { context, page } = await newPerson(browser, { viewport: { width: 1100, height: 1200 } });
    try {
      await page.goto(`${sesame.url}/console/applications/${app.clientId}/settings`);
      await page.waitForURL((url) => url.pathname.startsWith('/interaction/'));
      await signInOnPage(page, { login: admin.username, password: admin.password });
      const field = page.getByLabel('Back-channel logout URI', { exact: true });
      await field.waitFor();
      await field.fill('http://console-notes.example.com/logout');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await expect.poll(() => field.getAttribute('aria-invalid')).toBe('true');
      expect(await page.getByText('must use https; http is allowed only for localhost, 127.0.0.1 and [::1]').count()).toBe(1);
      await screenshot(page, file, 'console-logout-uri-error');
      await field.fill('https://console-notes.example.com/logout');
      await page.getByLabel('Send the session ID (sid)').check();
      await page.getByRole('button', { name: 'Save changes' }).click();
      await expect.poll(() => page.getByRole('status').filter({ hasText: 'Settings saved' }).count()).toBeGreaterThan(0);
      const stored = await sesame.sesame.db.selectFrom('applications').select(['backchannel_logout_uri', 'backchannel_logout_session_required'])
        .where('id', '=', app.clientId).executeTakeFirstOrThrow();
      expect(stored).toEqual({ backchannel_logout_uri: 'https://console-notes.example.com/logout', backchannel_logout_session_required: true });
      await screenshot(page, file, 'console-logout-uri-saved');
    } finally {
      await context.close();
    }
  });
});
