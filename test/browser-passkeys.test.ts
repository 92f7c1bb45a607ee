import { decodeJwt } from 'jose';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interceptRedirects, launchBrowser, newPerson, screenshot, signInOnPage } from './support/browser.ts';
import { apiClient, managementToken } from './support/management.ts';
import { authorizationRequest, exchangeCode, relyingParty, type RelyingParty } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { forgeAssertion, virtualAuthenticator } from './support/webauthn.ts';

/**
 * Passkeys in a real browser, through chromium's virtual authenticator: added on /account, then signing in without
 * a password and as a second factor. An assertion made for another origin or RP ID is refused.
 */
const file = import.meta.filename;
const redirect = 'https://app.example.com/callback';

let browser: Browser;
let sesame: TestSesame;
let rp: RelyingParty;
let linus: { id: string; username: string; password: string };
let person: Awaited<ReturnType<typeof newPerson>> & { app: Awaited<ReturnType<typeof interceptRedirects>> };
let authenticator: Awaited<ReturnType<typeof virtualAuthenticator>>;
let recoveryCodes: string[];

beforeAll(async () => {
  [browser, sesame] = await Promise.all([launchBrowser(), startTestSesame()]);
  const app = await sesame.createApp({ name: 'Kernel app', type: 'traditional', redirect_uris: [redirect] });
  rp = await relyingParty(sesame, app, redirect);
  linus = await sesame.createUser({ username: 'linus', name: 'Linus T' });
  const { context, page } = await newPerson(browser);
  person = { context, page, app: await interceptRedirects(context, redirect) };
  authenticator = await virtualAuthenticator(context, page);
});
afterAll(async () => {
  await browser?.close();
  await sesame?.stop();
});

/** Signs in at the app (first-party: no consent) and returns the ID token's claims once the code is redeemed. */
async function signInAtApp(page: Page, act: () => Promise<void>) {
  const request = await authorizationRequest(rp);
  await person.app.open(page, request.url.toString());
  await act();
  const callback = await person.app.next();
  // The same tab goes on to the next test: let it finish arriving at the app first.
  await page.waitForURL((url) => url.href.startsWith(redirect));
  const tokens = await exchangeCode(rp, request, callback);
  return decodeJwt(tokens.id_token!);
}

describe('passkeys', () => {
  it('are added on /account, with recovery codes the first time', async () => {
    const { page } = person;
    await page.goto(`${sesame.url}/account`);
    await signInOnPage(page, { login: linus.username, password: linus.password });
    await page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
    await page.getByLabel('Passkey name').fill('Work laptop');
    await page.getByRole('button', { name: 'Add a passkey' }).click();

    await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
    recoveryCodes = await page.locator('ol.codes code').allTextContents();
    expect(recoveryCodes).toHaveLength(10);
    await page.getByRole('link', { name: 'I saved them, continue' }).click();
    await page.getByText('Your passkey was added.').waitFor();
    expect(await page.getByText('Work laptop').isVisible()).toBe(true);
    await screenshot(page, file, 'account-passkey');
    expect(await authenticator.credentials()).toHaveLength(1);
  });

  it('sign in without a password: one touch is two factors (hwk, verified user)', async () => {
    const { page, context } = person;
    await context.clearCookies();
    const claims = await signInAtApp(page, async () => {
      await page.getByRole('button', { name: 'Sign in with a passkey' }).waitFor();
      await screenshot(page, file, 'sign-in-with-passkey');
      await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    });
    expect(claims).toMatchObject({ sub: linus.id, acr: 'urn:sesame:acr:mfa', amr: ['hwk', 'mfa'] });
  });

  it('are asked for as the second factor after the password', async () => {
    const { page, context } = person;
    await context.clearCookies();
    const claims = await signInAtApp(page, async () => {
      await signInOnPage(page, { login: linus.username, password: linus.password });
      await page.getByRole('button', { name: 'Use a passkey' }).waitFor();
      await screenshot(page, file, 'second-factor-passkey');
      await page.getByRole('button', { name: 'Use a passkey' }).click();
    });
    expect(claims).toMatchObject({ sub: linus.id, acr: 'urn:sesame:acr:mfa', amr: ['pwd', 'hwk', 'mfa'] });
  });

  it('an assertion made for another origin or RP ID is refused; the same one for Sesame is accepted', async () => {
    const { page, context } = person;
    const [credential] = await authenticator.credentials();
    const { hostname, origin } = new URL(sesame.url);
    await context.clearCookies();
    const request = await authorizationRequest(rp);
    await person.app.open(page, request.url.toString());

    /** Posts a forged assertion to the sign-in page's passkey form, with the challenge the page was given. */
    const post = async (where: { origin: string; rpId: string }) => {
      await page.reload();
      const form = page.locator('form[data-webauthn]');
      const options = JSON.parse((await form.getAttribute('data-options'))!) as { challenge: string };
      const csrf = await form.locator('input[name=csrf]').getAttribute('value');
      const assertion = forgeAssertion(credential!, { challenge: options.challenge, ...where });
      const response = await page.request.post(new URL((await form.getAttribute('action'))!, sesame.url).toString(), {
        form: { csrf: csrf!, credential: JSON.stringify(assertion) }, maxRedirects: 0,
      });
      return { status: response.status(), text: await response.text() };
    };

    const phished = await post({ origin: 'https://sesame-login.example', rpId: hostname });
    expect(phished.status).toBe(400);
    expect(phished.text).toContain('This passkey was not accepted');
    const otherRp = await post({ origin, rpId: 'sesame-login.example' });
    expect(otherRp.status).toBe(400);
    // The same forging for Sesame's own origin and RP ID passes: the refusals above were for origin and RP ID alone.
    const genuine = await post({ origin, rpId: hostname });
    expect(genuine.status).toBe(303);

    // That assertion counted 100 uses ahead of the authenticator: its own next one now looks like a clone's, refused.
    await context.clearCookies();
    await person.app.open(page, (await authorizationRequest(rp)).url.toString());
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.getByText('This passkey was not accepted').waitFor();

    const api = apiClient(sesame, await managementToken(sesame));
    const failures = await api('GET', '/api/audit-events?type=sign_in.failed');
    expect(failures.body.data.filter((e: { details: { reason?: string } }) => e.details.reason === 'passkey_refused').length).toBeGreaterThanOrEqual(2);
  });

  it('are removed on /account; the removal is audited', async () => {
    const { page, context } = person;
    await context.clearCookies();
    await page.goto(`${sesame.url}/account`);
    // The passkey is refused since the forged use above: a recovery code stands in for it.
    await signInOnPage(page, { login: linus.username, password: linus.password });
    await page.getByText('Use a recovery code').click();
    await page.getByLabel('Recovery code').fill(recoveryCodes[0]!);
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await page.getByRole('button', { name: 'Remove: Work laptop' }).click();
    await page.getByText('The passkey was removed.').waitFor();
    expect(await page.getByText('No passkeys yet.').isVisible()).toBe(true);
    const api = apiClient(sesame, await managementToken(sesame));
    const events = await api('GET', `/api/audit-events?user_id=${linus.id}`);
    expect(events.body.data.map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining(['mfa.passkey_added', 'mfa.recovery_codes_generated', 'mfa.passkey_removed']));
    // The last factor gone, its recovery codes went with it.
    expect((await api('GET', `/api/users/${linus.id}/factors`)).body).toMatchObject({ totp: null, passkeys: [], recovery_codes: { total: 0 } });
  });
});
