import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAuditEvent } from '../src/audit/audit.repository.ts';
import { launchBrowser, screenshot } from './support/browser.ts';
import { horizontalOverflow, openConsolePage, requireConsoleBuild, signedInAdmin, type ConsoleAdmin } from './support/console.ts';
import { authorizationRequest, relyingParty, type RelyingParty } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { parseForm, UserAgent } from './support/user-agent.ts';

/**
 * The console's Audit events page: the Management API's audit trail, newest first, in words (who, what, which
 * app, when, from where, details), filtered by type, user and app, a page at a time.
 */
const file = import.meta.filename;

let browser: Browser;
let sesame: TestSesame;
let admin: ConsoleAdmin;
let web: RelyingParty;
let partner: RelyingParty;
let ada: { id: string; username: string; password: string };
let bob: { id: string; username: string; password: string };

/** Signs in through the sign-in page as a person does; `password` may be wrong. */
async function signIn(rp: RelyingParty, login: string, password: string) {
  const agent = new UserAgent(sesame.url, { 'user-agent': 'Mozilla/5.0 (audit test) AppleWebKit/537.36 Chrome/130 Safari/537.36' });
  const request = await authorizationRequest(rp, { scope: 'openid' });
  const { response, url } = await agent.follow(request.url.toString());
  const form = parseForm(await response.text(), url);
  await agent.follow(form.action, { form: { ...form.fields, login, password } });
}

beforeAll(async () => {
  requireConsoleBuild();
  [browser, sesame] = await Promise.all([launchBrowser(), startTestSesame({ SESAME_LOG_LEVEL: 'warn' })]);
  admin = await signedInAdmin(browser, sesame);
  ada = await sesame.createUser({ username: 'ada', name: 'Ada Lovelace' });
  bob = await sesame.createUser({ username: 'bob', name: 'Bob Builder' });
  const webApp = await sesame.createApp({ name: 'Intranet', type: 'traditional', redirect_uris: ['https://intranet.example.com/cb'] });
  web = await relyingParty(sesame, webApp, 'https://intranet.example.com/cb');
  const partnerApp = await sesame.createApp({ name: 'Partner Notes', type: 'traditional', third_party: true, redirect_uris: ['https://notes.example.com/cb'] });
  partner = await relyingParty(sesame, partnerApp, 'https://notes.example.com/cb');
  // Older events first: enough of them for a second page.
  for (let i = 0; i < 30; i++) await recordAuditEvent(sesame.sesame.db, { type: 'sign_in.succeeded', userId: ada.id, clientId: webApp.clientId, ip: '203.0.113.7' });
  await signIn(web, ada.username, ada.password);
  await signIn(partner, bob.username, 'not his password');
  await signIn(partner, 'nobody-here', 'whatever it is');
});

afterAll(async () => {
  await browser?.close();
  await sesame?.stop();
});

const rows = (page: Page) => page.getByRole('table').getByRole('row').filter({ has: page.getByRole('cell') });

async function rowTexts(page: Page): Promise<string[]> {
  await expect.poll(() => rows(page).count()).toBeGreaterThan(0);
  return rows(page).allTextContents();
}

describe('the Audit events page', () => {
  it('lists events newest first, each saying who, what, which app, when and from where', async () => {
    const { page } = admin;
    await page.getByRole('link', { name: 'Audit events' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Audit events', level: 1 }).count()).toBe(1);
    const texts = await rowTexts(page);
    // The newest: the sign-in typed for an account that does not exist, then Bob's wrong password, then Ada.
    expect(texts[0]).toContain('Sign-in failed');
    expect(texts[0]).toContain('Typed “nobody-here”: no such account');
    expect(texts[0]).toContain('Partner Notes');
    expect(texts[1]).toContain('Sign-in failed');
    expect(texts[1]).toContain('Typed “bob”: wrong password');
    expect(texts[1]).toContain('Bob Builder');
    expect(texts[1]).toContain('127.0.0.1');
    expect(texts[1]).toContain('Mozilla/5.0 (audit test)');
    expect(texts[2]).toContain('Signed in');
    expect(texts[2]).toContain('Ada Lovelace');
    expect(texts[2]).toContain('Intranet');
    expect(texts).toHaveLength(25);
    // Details, in full, on request.
    await rows(page).nth(1).getByText('Details').click();
    await expect.poll(() => rows(page).nth(1).getByRole('definition').allTextContents()).toEqual(expect.arrayContaining(['sign_in.failed', 'bob', 'wrong_password']));
    expect(await horizontalOverflow(page)).toEqual([]);
    await screenshot(page, file, '01-audit-events');

    // A page at a time: 33 events and more (the admin's own sign-in to the console too).
    const total = await sesame.sesame.db.selectFrom('audit_events').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    expect(await page.getByRole('navigation', { name: 'Audit events pages' }).textContent()).toContain(`1–25 of ${total.n}`);
    await page.getByRole('button', { name: 'Next' }).click();
    await expect.poll(() => page.getByRole('navigation', { name: 'Audit events pages' }).textContent()).toContain(`26–${total.n} of ${total.n}`);
    // The pager moves with the address at once; the rows follow when the next page has loaded.
    await expect.poll(() => rows(page).count()).toBe(Number(total.n) - 25);
  });

  it('filters by type, user and app, and keeps the filters in the address', async () => {
    const { page } = admin;
    await openConsolePage(page, sesame, '/audit-events', 'Audit events');
    await page.getByLabel('Event type').selectOption({ label: 'Sign-in failed' });
    await expect.poll(async () => (await rowTexts(page)).length).toBe(2);
    for (const text of await rowTexts(page)) expect(text).toContain('Sign-in failed');
    expect(new URL(page.url()).searchParams.get('type')).toBe('sign_in.failed');

    // The user filter: search, pick; then only Bob's failed sign-in is left.
    await page.getByLabel('Filter by user').fill('bob');
    await page.getByRole('list', { name: 'User matches' }).getByRole('button', { name: 'Bob Builder' }).click();
    await expect.poll(async () => (await rowTexts(page)).length).toBe(1);
    expect((await rowTexts(page))[0]).toContain('Typed “bob”: wrong password');
    expect(new URL(page.url()).searchParams.get('user_id')).toBe(bob.id);
    await screenshot(page, file, '02-filtered-by-type-and-user');

    // Opened from its address, the page shows the same filters by name.
    await page.reload();
    await expect.poll(() => page.getByRole('group', { name: 'User' }).textContent()).toContain('Bob Builder (bob)');
    expect(await page.getByLabel('Event type').inputValue()).toBe('sign_in.failed');

    // Any user, any type, one app.
    await page.getByRole('button', { name: 'Any user' }).click();
    await page.getByLabel('Event type').selectOption({ label: 'All events' });
    await page.getByLabel('Filter by app').fill('intra');
    await page.getByRole('list', { name: 'App matches' }).getByRole('button', { name: 'Intranet' }).click();
    await expect.poll(() => page.getByRole('navigation', { name: 'Audit events pages' }).textContent()).toContain('of 31');
    for (const text of await rowTexts(page)) expect(text).toContain('Intranet');

    // Nothing matches: said so, with a way back.
    await page.getByLabel('Event type').selectOption({ label: 'Consent given' });
    await expect.poll(() => page.getByText('No event matches these filters').count()).toBe(1);
    await page.getByRole('button', { name: 'Show all events' }).click();
    await expect.poll(async () => (await rowTexts(page)).length).toBe(25);
  });

  it('is reached from a user’s page, already filtered', async () => {
    const { page } = admin;
    await openConsolePage(page, sesame, `/users/${ada.id}`, 'Ada Lovelace');
    await page.getByRole('link', { name: 'Audit events of this user' }).click();
    await expect.poll(() => page.getByRole('group', { name: 'User' }).textContent()).toContain('Ada Lovelace (ada)');
    for (const text of await rowTexts(page)) expect(text).toContain('Ada Lovelace');
  });
});
