import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, newPerson, screenshot } from './support/browser.ts';
import { cliWith } from './support/cli.ts';
import { authorizationRequest, relyingParty } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';

/** What a person sees when an app that registered itself waits for the administrator, in a real browser. */

let sesame: TestSesame;
let browser: Browser;
const { json } = cliWith(() => ({ ...sesame.database.env, SESAME_LOG_LEVEL: 'silent' }));

beforeAll(async () => {
  sesame = await startTestSesame();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await sesame?.stop();
});

describe('an app waiting for approval, in a browser', () => {
  it('shows the waiting page in English and French, then signs in once an admin approved the app', async () => {
    await json('registration', 'set', '--dcr', 'approval');
    const redirectUri = 'http://127.0.0.1:45123/callback';
    const response = await fetch(new URL('/oidc/reg', sesame.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'Desk Agent', redirect_uris: [redirectUri], application_type: 'native', token_endpoint_auth_method: 'none' }),
    });
    expect(response.status).toBe(201);
    const { client_id: clientId } = await response.json() as { client_id: string };
    const rp = await relyingParty(sesame, { clientId }, redirectUri);
    const url = (await authorizationRequest(rp, { scope: 'openid' })).url.toString();

    const english = await newPerson(browser);
    await english.page.goto(url);
    await expect(english.page.getByRole('heading', { name: 'Waiting for the administrator' }).isVisible()).resolves.toBe(true);
    expect(await english.page.textContent('main')).toContain('Desk Agent');
    await screenshot(english.page, import.meta.filename, 'waiting-en');

    const french = await newPerson(browser, { locale: 'fr-FR' });
    await french.page.goto(url);
    await expect(french.page.getByRole('heading', { name: "En attente de l'administrateur" }).isVisible()).resolves.toBe(true);
    await screenshot(french.page, import.meta.filename, 'waiting-fr');
    await french.context.close();

    await json('apps', 'approve', '--id', clientId);
    // The server hears of the CLI's approval through PostgreSQL's change feed, a moment after the command returns.
    await expect.poll(async () => {
      await english.page.goto(url);
      return english.page.getByLabel('Username or email').isVisible();
    }).toBe(true);
    await english.context.close();

    await json('apps', 'deny', '--id', clientId);
    const japanese = await newPerson(browser, { locale: 'ja-JP' });
    await expect.poll(async () => {
      await japanese.page.goto(url);
      return japanese.page.getByRole('heading', { name: 'このアプリは許可されていません' }).isVisible();
    }).toBe(true);
    await japanese.context.close();
  });
});
