import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { en, type Messages } from '../src/i18n/locales/en.ts';
import { fr } from '../src/i18n/locales/fr.ts';
import { launchBrowser, newPerson, screenshot, signInOnPage } from './support/browser.ts';
import { MetadataHost } from './support/metadata-host.ts';
import { setRegistrationPolicy } from './support/registration.ts';
import { authorizationRequest, relyingParty } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';

/**
 * What the consent screen tells a person about an app before they trust it (issue 14, MCP authorization): where
 * the answer goes, in large; a warning when that is only a loopback address or when the app added itself and
 * nobody verified it; a Verified badge for a domain an admin checked. In Debian's chromium, in English and French.
 */
const file = import.meta.filename;

let browser: Browser;
let sesame: TestSesame;
let host: MetadataHost;
let person: { login: string; password: string };

const apps: Record<'verified' | 'plain' | 'desktop' | 'agent', { clientId: string; redirectUri: string }> = {} as never;

beforeAll(async () => {
  [browser, sesame, host] = await Promise.all([
    launchBrowser(),
    startTestSesame({ SESAME_ALLOW_LOOPBACK_METADATA: 'true' }),
    new MetadataHost().start(),
  ]);
  await setRegistrationPolicy(sesame, { cimd: 'open' });
  const user = await sesame.createUser();
  person = { login: user.username, password: user.password };
  const make = async (input: Parameters<TestSesame['createApp']>[0]) => {
    const { clientId } = await sesame.createApp(input);
    return { clientId, redirectUri: input.redirect_uris![0]! };
  };
  apps.verified = await make({ name: 'Partner Mail', type: 'spa', third_party: true, redirect_uris: ['https://mail.partner.example.com/callback'], verified_domain: 'partner.example.com' });
  apps.plain = await make({ name: 'Partner Notes', type: 'spa', third_party: true, redirect_uris: ['https://notes.partner.example.com/callback'] });
  apps.desktop = await make({ name: 'Desktop Notes', type: 'native', third_party: true, redirect_uris: ['http://127.0.0.1:7777/callback'] });
  const agentRedirect = 'http://localhost:8976/callback';
  apps.agent = {
    clientId: host.document('/agent.json', { client_name: 'Some Agent', application_type: 'native', redirect_uris: [agentRedirect] }),
    redirectUri: agentRedirect,
  };
});

afterAll(async () => {
  await browser?.close();
  await sesame?.stop();
  await host?.stop();
});

/** Opens the app's authorization request in a fresh browser and signs in; returns the page at the consent screen. */
async function consentScreen(app: { clientId: string; redirectUri: string }, params: Record<string, string> = {}, words: Messages = en): Promise<Page> {
  const { page } = await newPerson(browser);
  const rp = await relyingParty(sesame, { clientId: app.clientId }, app.redirectUri);
  await page.goto((await authorizationRequest(rp, params)).url.toString());
  await signInOnPage(page, person, words);
  await page.getByRole('button', { name: words['consent.authorize'], exact: true }).waitFor();
  return page;
}

const warnings = (page: Page) => page.getByRole('note').allTextContents();

describe('the consent screen says whom a person is about to trust', () => {
  it('shows the redirect host and a Verified badge for an app whose domain an admin verified', async () => {
    const page = await consentScreen(apps.verified);
    expect(await page.getByText(en['consent.answerGoesTo']).isVisible()).toBe(true);
    expect(await page.locator('.answer-host strong').textContent()).toBe('mail.partner.example.com');
    const badge = page.getByText(`✓ ${en['consent.verified']}`);
    expect(await badge.isVisible()).toBe(true);
    expect(await badge.getAttribute('title')).toBe(en['consent.verifiedTitle'].replace('{domain}', 'partner.example.com'));
    expect(await warnings(page)).toEqual([]);
    await screenshot(page, file, 'verified');
    await page.context().close();
  });

  it('keeps an admin\'s own third-party app on its https site as it always looked', async () => {
    const page = await consentScreen(apps.plain);
    expect(await page.getByText(en['consent.answerGoesTo']).count()).toBe(0);
    expect(await page.getByText(en['consent.verified']).count()).toBe(0);
    expect(await warnings(page)).toEqual([]);
    await page.context().close();
  });

  it('warns when the answer goes only to a loopback address', async () => {
    const page = await consentScreen(apps.desktop);
    expect(await page.locator('.answer-host strong').textContent()).toBe('127.0.0.1:7777');
    expect(await warnings(page)).toEqual([en['consent.loopbackWarning']]);
    await page.context().close();
  });

  it('warns about an app that added itself and that nobody verified, on loopback too', async () => {
    const page = await consentScreen(apps.agent);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Some Agent wants to access your account');
    expect(await page.locator('.answer-host strong').textContent()).toBe('localhost:8976');
    expect(await warnings(page)).toEqual([en['consent.loopbackWarning'], en['consent.unverifiedWarning'].replace('{app}', 'Some Agent')]);
    await screenshot(page, file, 'unverified-loopback');
    await page.context().close();
  });

  it('says the same in French', async () => {
    const page = await consentScreen(apps.agent, { ui_locales: 'fr' }, fr);
    expect(await page.getByText(fr['consent.answerGoesTo']).isVisible()).toBe(true);
    expect(await warnings(page)).toEqual([fr['consent.loopbackWarning'], fr['consent.unverifiedWarning'].replace('{app}', 'Some Agent')]);
    await page.context().close();
    const verified = await consentScreen(apps.verified, { ui_locales: 'fr' }, fr);
    expect(await verified.getByText(`✓ ${fr['consent.verified']}`).isVisible()).toBe(true);
    await screenshot(verified, file, 'verified-fr');
    await verified.context().close();
  });
});
