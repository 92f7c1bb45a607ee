import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { translator } from '../src/i18n/locale.ts';
import { interceptRedirects, launchBrowser, newPerson, screenshot, signInOnPage } from './support/browser.ts';
import { apiClient, managementToken } from './support/management.ts';
import { authorizationRequest, exchangeCode, relyingParty, type RelyingParty } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { codeIn, linkIn, startMailServer, type TestMailServer } from './support/smtp.ts';

/**
 * What a person does in chromium: *Forgot password?* with the link taken from the SMTP server's inbox, the
 * verification code asked before sign-in, a verification link opened in another browser, and the admin reading the
 * emails in the console. Screenshots of each page, and of the emails as a mail client shows them.
 */
const file = import.meta.filename;
const redirectUri = 'https://notes.example.com/callback';
const logoSvg = '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="36"><rect width="120" height="36" rx="8" fill="#0f766e"/><text x="14" y="24" font-family="sans-serif" font-size="16" fill="#fff">Acme ID</text></svg>';

let browser: Browser;
let mail: TestMailServer;
let sesame: TestSesame;
let rp: RelyingParty;
let api: ReturnType<typeof apiClient>;
/** Serves the sign-in experience's logo from a loopback origin (what the logo rules allow besides https). */
let logoServer: Server;
let logoUrl: string;

beforeAll(async () => {
  logoServer = createServer((_req, res) => res.writeHead(200, { 'content-type': 'image/svg+xml' }).end(logoSvg));
  await new Promise<void>((resolve) => logoServer.listen(0, '127.0.0.1', resolve));
  logoUrl = `http://127.0.0.1:${(logoServer.address() as AddressInfo).port}/logo.svg`;
  [browser, mail] = await Promise.all([launchBrowser(), startMailServer()]);
  sesame = await startTestSesame({ SESAME_SMTP_URL: mail.url, SESAME_EMAIL_FROM: 'no-reply@acme.test', SESAME_EMAIL_RETRY_DELAY: '1' });
  api = apiClient(sesame, await managementToken(sesame));
  expect((await api('PUT', '/api/sign-in-experience', {
    product_name: 'Acme ID', primary_color: '#0f766e', self_registration: true,
  })).status).toBe(200);
  const app = await sesame.createApp({ name: 'Notes', type: 'traditional', redirect_uris: [redirectUri] });
  rp = await relyingParty(sesame, app, redirectUri);
});
afterAll(async () => {
  await browser?.close();
  await sesame?.stop();
  await mail?.stop();
  await new Promise((resolve) => logoServer?.close(resolve));
});

/** A person at the app, who follows its sign-in link to Sesame. */
async function personAtSignIn(options: Parameters<typeof newPerson>[1] = {}) {
  const person = await newPerson(browser, options);
  const app = await interceptRedirects(person.context, redirectUri);
  const request = await authorizationRequest(rp, { scope: 'openid email' });
  await app.open(person.page, request.url.toString());
  await person.page.getByRole('button', { name: 'Sign in', exact: true }).or(person.page.getByRole('button', { name: translator('ja')('signIn.submit'), exact: true })).waitFor();
  return { ...person, app, request };
}

/** The email as a mail client shows its HTML part. */
async function screenshotEmail(html: string, name: string) {
  const { context, page } = await newPerson(browser, { viewport: { width: 640, height: 800 } });
  try {
    await page.setContent(html);
    await screenshot(page, file, name);
  } finally {
    await context.close();
  }
}

async function finishedAtApp(page: Page, app: Awaited<ReturnType<typeof interceptRedirects>>, request: Awaited<ReturnType<typeof authorizationRequest>>) {
  const callback = await app.next();
  await expect.poll(() => page.getByText('Signed in.').count()).toBe(1);
  return exchangeCode(rp, request, callback);
}

describe('in chromium', () => {
  it('resets a forgotten password with the link from the inbox, then signs in with the new one', async () => {
    await sesame.createUser({ username: 'jules', email: 'jules@example.com', password: 'the forgotten passphrase' });
    const { context, page, app, request } = await personAtSignIn();
    try {
      await page.getByRole('link', { name: 'Forgot password?' }).click();
      await page.getByRole('heading', { name: 'Reset your password' }).waitFor();
      await page.getByLabel('Username or email', { exact: true }).fill('jules@example.com');
      await screenshot(page, file, '01-forgot-password');
      await page.getByRole('button', { name: 'Send reset link' }).click();
      await page.getByRole('heading', { name: 'Check your email' }).waitFor();
      await screenshot(page, file, '02-check-your-email');

      const message = await mail.next('jules@example.com');
      expect(message.subject).toBe('Reset your Acme ID password');
      await screenshotEmail(message.html as string, '03-reset-email');
      const link = linkIn(message, `${sesame.url}/account/reset-password?token=`);

      await page.goto(link);
      await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
      await page.getByLabel('New password', { exact: true }).fill('short');
      await page.getByRole('button', { name: 'Change password' }).click();
      await expect.poll(() => page.getByRole('alert').textContent()).toBe('Choose a password of at least 8 characters.');
      await page.getByLabel('New password', { exact: true }).fill('a remembered passphrase');
      await screenshot(page, file, '04-new-password');
      await page.getByRole('button', { name: 'Change password' }).click();
      await page.getByRole('heading', { name: 'Password changed' }).waitFor();
      await screenshot(page, file, '05-password-changed');

      await page.getByRole('link', { name: 'Continue to sign in' }).click();
      await signInOnPage(page, { login: 'jules', password: 'a remembered passphrase' });
      const tokens = await finishedAtApp(page, app, request);
      expect(tokens.claims()?.sub).toBeTruthy();

      // The link worked once.
      await page.goto(link);
      await expect.poll(() => page.getByText('This link does not work').count()).toBe(1);
      await screenshot(page, file, '06-link-used');
    } finally {
      await context.close();
    }
  });

  it('asks for the emailed code before an unverified account is signed in, in the person\'s language', async () => {
    expect((await api('PUT', '/api/sign-in-experience', { require_verified_email: true, logo_url: logoUrl })).status).toBe(200);
    try {
      await sesame.createUser({ username: 'kenji', email: 'kenji@example.com', password: 'a long passphrase' });
      const t = translator('ja');
      const { context, page, app, request } = await personAtSignIn({ locale: 'ja-JP' });
      try {
        await signInOnPage(page, { login: 'kenji', password: 'a long passphrase' }, { 'signIn.login': t('signIn.login'), 'signIn.password': t('signIn.password'), 'signIn.submit': t('signIn.submit') });
        await page.getByRole('heading', { name: t('verify.title') }).waitFor();
        const message = await mail.next('kenji@example.com');
        expect(message.subject).toBe('Acme ID のメールアドレスを確認してください');
        await screenshotEmail(message.html as string, '07-verification-email-ja');

        await page.getByLabel(t('verify.code'), { exact: true }).fill('000000' === codeIn(message) ? '111111' : '000000');
        await page.getByRole('button', { name: t('verify.submit'), exact: true }).click();
        await expect.poll(() => page.getByRole('alert').textContent()).toBe(t('verify.wrongCode'));
        await screenshot(page, file, '08-wrong-code-ja');

        await page.getByLabel(t('verify.code'), { exact: true }).fill(codeIn(message));
        await page.getByRole('button', { name: t('verify.submit'), exact: true }).click();
        const tokens = await finishedAtApp(page, app, request);
        const info = await (await fetch(`${sesame.url}/oidc/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } })).json() as { email_verified?: boolean };
        expect(info.email_verified).toBe(true);
      } finally {
        await context.close();
      }
    } finally {
      expect((await api('PUT', '/api/sign-in-experience', { require_verified_email: false, logo_url: null })).status).toBe(200);
    }
  });

  it('verifies a new account\'s address from the link, opened in another browser', async () => {
    const { context, page, app, request } = await personAtSignIn();
    try {
      await page.getByRole('link', { name: 'Create account' }).click();
      await page.getByLabel('Username', { exact: true }).fill('lena');
      await page.getByLabel('Email', { exact: true }).fill('lena@example.com');
      await page.getByLabel('Password', { exact: true }).fill('a long passphrase');
      await page.getByRole('button', { name: 'Create account' }).click();
      await finishedAtApp(page, app, request);
    } finally {
      await context.close();
    }
    const link = linkIn(await mail.next('lena@example.com'), `${sesame.url}/account/verify-email?token=`);
    const phone = await newPerson(browser, { viewport: { width: 390, height: 780 } });
    try {
      await phone.page.goto(link);
      await phone.page.getByRole('heading', { name: 'Verify your email address' }).waitFor();
      await screenshot(phone.page, file, '09-verify-link');
      await phone.page.getByRole('button', { name: 'Verify email address' }).click();
      await phone.page.getByRole('heading', { name: 'Email verified' }).waitFor();
      await screenshot(phone.page, file, '10-email-verified');
    } finally {
      await phone.context.close();
    }
    const row = await sesame.sesame.db.selectFrom('users').select('email_verified').where('username', '=', 'lena').executeTakeFirstOrThrow();
    expect(row.email_verified).toBe(true);
  });

  it('changes the password and the email address on the account page', async () => {
    await sesame.createUser({ username: 'mara', email: 'mara@example.com', password: 'a long passphrase' });
    const { context, page } = await newPerson(browser, { viewport: { width: 720, height: 1200 } });
    try {
      await page.goto(`${sesame.url}/account/login`);
      await signInOnPage(page, { login: 'mara', password: 'a long passphrase' });
      await page.getByRole('heading', { name: 'Password and email' }).waitFor();
      const emailForm = page.getByRole('form', { name: 'Change email' });
      await emailForm.getByLabel('New email').fill('mara.new@example.com');
      await emailForm.getByLabel('Current password').fill('a long passphrase');
      await emailForm.getByRole('button', { name: 'Change email' }).click();
      await expect.poll(() => page.getByRole('status').filter({ hasText: 'We sent a link to mara.new@example.com' }).count()).toBe(1);
      await screenshot(page, file, '11-account-email-pending');

      await page.goto(linkIn(await mail.next('mara.new@example.com'), `${sesame.url}/account/verify-email?token=`));
      await page.getByRole('button', { name: 'Verify email address' }).click();
      await page.getByText('Your email address is now mara.new@example.com.').waitFor();
      expect((await mail.next('mara@example.com')).subject).toBe('The email address of your Acme ID account was changed');

      await page.goto(`${sesame.url}/account`);
      const passwordForm = page.getByRole('form', { name: 'Change password' });
      await passwordForm.getByLabel('Current password').fill('a long passphrase');
      await passwordForm.getByLabel('New password').fill('an even longer passphrase');
      await passwordForm.getByRole('button', { name: 'Change password' }).click();
      await page.getByRole('heading', { name: 'Password changed' }).waitFor();
      await screenshot(page, file, '12-account-password-changed');
      await page.getByRole('link', { name: 'Sign in' }).click();
      await signInOnPage(page, { login: 'mara.new@example.com', password: 'an even longer passphrase' });
      await page.getByRole('heading', { name: 'Your account' }).waitFor();
      await expect.poll(() => page.getByText('mara.new@example.com (verified)').count()).toBe(1);
    } finally {
      await context.close();
    }
  });

  it('shows admins the emails in the console, and sends a verification email from a user\'s page', async () => {
    if (!existsSync(path.resolve('console/dist/index.html'))) throw new Error('console/dist is missing: run `npm run build:console`');
    await sesame.createUser({ username: 'boss', email: 'boss@example.com', password: 'a long admin passphrase', admin: true });
    const target = await sesame.createUser({ username: 'nadia', email: 'nadia@example.com' });
    const { context, page } = await newPerson(browser, { viewport: { width: 1280, height: 900 } });
    try {
      await page.goto(`${sesame.url}/console/users/${target.id}`);
      await page.waitForURL((url) => url.pathname.startsWith('/interaction/'));
      await signInOnPage(page, { login: 'boss', password: 'a long admin passphrase' });
      await page.getByRole('button', { name: 'Send verification email' }).click();
      await expect.poll(() => page.getByRole('status').filter({ hasText: 'Verification email sent to nadia@example.com' }).count()).toBe(1);
      await mail.next('nadia@example.com');

      await page.getByRole('link', { name: 'Emails' }).click();
      await page.getByRole('heading', { name: 'Emails', level: 1 }).waitFor();
      await expect.poll(() => page.getByRole('link', { name: /Verify your email address for Acme ID/ }).count()).toBeGreaterThan(0);
      await screenshot(page, file, '13-console-emails');
      await page.getByRole('link', { name: /Verify your email address for Acme ID/ }).first().click();
      await page.getByText('Sesame no longer keeps what this message said: it was delivered.').waitFor();
      await screenshot(page, file, '14-console-email-sent');
    } finally {
      await context.close();
    }
  });
});
