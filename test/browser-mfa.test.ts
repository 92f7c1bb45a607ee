import { createRequire } from 'node:module';
import { decodeJwt } from 'jose';
import type { Browser, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interceptRedirects, launchBrowser, newPerson, screenshot, signInOnPage } from './support/browser.ts';
import { totpCode } from './support/mfa.ts';
import { authorizationRequest, exchangeCode, relyingParty, type RelyingParty } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';

/**
 * Two-step verification in a real browser (Debian's chromium): an app (openid-client, in this process) asks for
 * MFA with acr_values; the person sets up an authenticator app from the QR code, saves the recovery codes, and
 * later signs in with codes this test computes as the app would. Replayed and reused codes are refused on the page.
 */
const file = import.meta.filename;
// jsqr is CommonJS whose types claim a default export: required as it is.
const jsQR = createRequire(import.meta.url)('jsqr') as typeof import('jsqr').default;
const mfa = 'urn:sesame:acr:mfa';
const redirect = 'https://notes.example.com/callback';

let browser: Browser;
let sesame: TestSesame;
let rp: RelyingParty;
let grace: { id: string; username: string; password: string };
let setupKey: string;
let enrolmentCode: string;
let recoveryCodes: string[];

beforeAll(async () => {
  [browser, sesame] = await Promise.all([launchBrowser(), startTestSesame()]);
  const app = await sesame.createApp({ name: 'Notes', type: 'traditional', third_party: true, redirect_uris: [redirect] });
  rp = await relyingParty(sesame, app, redirect);
  grace = await sesame.createUser({ username: 'grace', name: 'Grace Hopper' });
});
afterAll(async () => {
  await browser?.close();
  await sesame?.stop();
});

async function person() {
  const { context, page } = await newPerson(browser);
  return { context, page, app: await interceptRedirects(context, redirect) };
}

/** Starts a sign-in at the app with `params`; resolves with the request and the app's callback once it arrives. */
async function signIn(page: Page, app: Awaited<ReturnType<typeof person>>['app'], params: Record<string, string> = {}) {
  const request = await authorizationRequest(rp, params);
  await app.open(page, request.url.toString());
  return { request, callback: () => app.next() };
}

/** Authorizes on the third-party app's consent screen when it asks (consent is remembered); then the ID token's claims. */
async function authorizeAndRedeem(page: Page, started: Awaited<ReturnType<typeof signIn>>) {
  const authorize = page.getByRole('button', { name: 'Authorize', exact: true });
  const asked = authorize.waitFor().then(() => true);
  const sent = page.waitForURL((url) => url.href.startsWith(redirect)).then(() => false);
  asked.catch(() => undefined);
  sent.catch(() => undefined);
  if (await Promise.race([asked, sent])) await authorize.click();
  // The app's callback page has loaded before the caller navigates again (else that navigation interrupts the next).
  await page.waitForURL((url) => url.href.startsWith(redirect));
  const tokens = await exchangeCode(rp, started.request, await started.callback());
  return decodeJwt(tokens.id_token!);
}

/** What the QR code on the page says, read from its pixels as a phone would. */
async function qrCodeText(page: Page): Promise<string | undefined> {
  const png = PNG.sync.read(await page.locator('img.qr').screenshot());
  return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data;
}

describe('an authenticator app', () => {
  it('is set up from the QR code when an app asks for MFA; the ID token says pwd + otp', async () => {
    const { page, app, context } = await person();
    const started = await signIn(page, app, { acr_values: mfa });
    await signInOnPage(page, { login: grace.username, password: grace.password });

    await page.getByRole('heading', { name: 'Set up two-step verification' }).waitFor();
    expect(await page.getByText('Notes asks for a second step when you sign in').isVisible()).toBe(true);
    await screenshot(page, file, 'set-up-choice');
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();

    await page.getByRole('heading', { name: 'Set up an authenticator app' }).waitFor();
    setupKey = (await page.getByLabel('Setup key').textContent())!.replace(/\s/g, '');
    expect(setupKey).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL((await qrCodeText(page))!);
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.searchParams.get('secret')).toBe(setupKey);
    expect(uri.searchParams.get('issuer')).toBe('Sesame');
    await screenshot(page, file, 'set-up-totp');

    await page.getByLabel('Authentication code').fill('000000' === totpCode(setupKey) ? '111111' : '000000');
    await page.getByRole('button', { name: 'Verify and turn on' }).click();
    await page.getByText('The authentication code is incorrect').waitFor();
    enrolmentCode = totpCode(setupKey);
    await page.getByLabel('Authentication code').fill(enrolmentCode);
    await page.getByRole('button', { name: 'Verify and turn on' }).click();

    await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
    recoveryCodes = await page.locator('ol.codes code').allTextContents();
    expect(recoveryCodes).toHaveLength(10);
    await screenshot(page, file, 'recovery-codes');
    await page.getByRole('button', { name: 'I saved them, continue' }).click();

    const claims = await authorizeAndRedeem(page, started);
    expect(claims).toMatchObject({ sub: grace.id, acr: mfa, amr: ['pwd', 'otp', 'mfa'] });
    await context.close();
  });

  it('is asked for at the next sign-in: the replayed code is refused, the next one signs in', async () => {
    const { page, app, context } = await person();
    const started = await signIn(page, app);
    await signInOnPage(page, { login: grace.username, password: grace.password });
    await page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
    await screenshot(page, file, 'second-factor');

    await page.getByLabel('Authentication code').fill(enrolmentCode);
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await page.getByText('This authentication code was already used').waitFor();
    await screenshot(page, file, 'second-factor-replayed');

    await page.getByLabel('Authentication code').fill(totpCode(setupKey, 1));
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    const claims = await authorizeAndRedeem(page, started);
    expect(claims).toMatchObject({ sub: grace.id, acr: mfa, amr: ['pwd', 'otp', 'mfa'] });
    await context.close();
  });
});

describe('recovery codes', () => {
  it('sign in once each; a reused code is refused', async () => {
    const first = await person();
    const started = await signIn(first.page, first.app);
    await signInOnPage(first.page, { login: grace.username, password: grace.password });
    await first.page.getByText('Use a recovery code').click();
    await first.page.getByLabel('Recovery code').fill(recoveryCodes[0]!);
    await screenshot(first.page, file, 'recovery-code');
    await first.page.getByRole('button', { name: 'Verify', exact: true }).last().click();
    expect(await authorizeAndRedeem(first.page, started)).toMatchObject({ acr: mfa, amr: ['pwd', 'otp', 'mfa'] });
    await first.context.close();

    const second = await person();
    await signIn(second.page, second.app);
    await signInOnPage(second.page, { login: grace.username, password: grace.password });
    await second.page.getByText('Use a recovery code').click();
    await second.page.getByLabel('Recovery code').fill(recoveryCodes[0]!);
    await second.page.getByRole('button', { name: 'Verify', exact: true }).last().click();
    await second.page.getByText('This recovery code is incorrect or was already used').waitFor();
    await screenshot(second.page, file, 'recovery-code-reused');
    await second.context.close();
  });
});

describe('step-up through acr_values', () => {
  it('a one-factor session is asked only for the missing factor when an app asks for MFA', async () => {
    const ada = await sesame.createUser({ username: 'ada', name: 'Ada Lovelace' });
    const { page, app, context } = await person();
    const plain = await signIn(page, app);
    await signInOnPage(page, { login: ada.username, password: ada.password });
    expect(await authorizeAndRedeem(page, plain)).toMatchObject({ acr: 'urn:sesame:acr:1fa', amr: ['pwd'] });

    // Same browser, same Sesame session: the app now wants a second factor. No password is asked again.
    const stepUp = await signIn(page, app, { acr_values: mfa });
    await page.getByRole('heading', { name: 'Set up two-step verification' }).waitFor();
    expect(await page.getByLabel('Password').count()).toBe(0);
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    const key = (await page.getByLabel('Setup key').textContent())!.replace(/\s/g, '');
    await page.getByLabel('Authentication code').fill(totpCode(key));
    await page.getByRole('button', { name: 'Verify and turn on' }).click();
    await page.getByRole('button', { name: 'I saved them, continue' }).click();
    await page.waitForURL((url) => url.href.startsWith(redirect));
    const tokens = await exchangeCode(rp, stepUp.request, await stepUp.callback());
    expect(decodeJwt(tokens.id_token!)).toMatchObject({ sub: ada.id, acr: mfa, amr: ['pwd', 'otp', 'mfa'] });
    await context.close();
  });
});
