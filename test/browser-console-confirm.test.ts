import * as client from 'openid-client';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, newPerson, screenshot, signInOnPage } from './support/browser.ts';
import { allow, authorizeUntilConsent, decide, giveRole } from './support/consent.ts';
import { openConsolePage, requireConsoleBuild, signedInAdmin, toast, type ConsoleAdmin } from './support/console.ts';
import { authorizationRequest, exchangeCode, relyingParty } from './support/relying-party.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { parseForm, UserAgent } from './support/user-agent.ts';

/**
 * What takes something away asks first and says what will happen: *Revoke access* on the account page, and in
 * the console every removal and deletion (roles, scopes, members, grants, lockouts). Cancel changes nothing.
 */
const file = import.meta.filename;

let browser: Browser;
let sesame: TestSesame;
let admin: ConsoleAdmin;

beforeAll(async () => {
  requireConsoleBuild();
  // Two wrong passwords lock an account key out from one IP, so a test can make a lockout quickly.
  [browser, sesame] = await Promise.all([launchBrowser(), startTestSesame({ SESAME_LOG_LEVEL: 'warn', SESAME_THROTTLE_FAILURES: '2' })]);
  admin = await signedInAdmin(browser, sesame);
});

afterAll(async () => {
  await browser?.close();
  await sesame?.stop();
});

const redirectUri = 'https://notes.example.com/callback';
let partner: { clientId: string; clientSecret?: string };

/** A user who allowed the third-party app Partner Notes `profile` and offline access on its consent screen. */
async function consentedUser() {
  const user = await sesame.createUser({ name: 'Ada Lovelace' });
  if (!partner) {
    partner = await sesame.createApp({ name: 'Partner Notes', type: 'traditional', third_party: true, redirect_uris: [redirectUri] });
    await sesame.sesame.db.insertInto('application_user_scopes').values({ application_id: partner.clientId, scope: 'profile' }).execute();
  }
  const rp = await relyingParty(sesame, partner, redirectUri);
  const request = await authorizationRequest(rp, { scope: 'openid profile offline_access', prompt: 'consent' });
  const agent = new UserAgent(sesame.url);
  const step = await authorizeUntilConsent(agent, request.url.toString(), { login: user.username, password: user.password });
  if (!('consent' in step)) throw new Error('expected the consent screen');
  const tokens = await exchangeCode(rp, request, await decide(agent, step.consent, ['profile', 'offline_access']));
  return { user, rp, refreshToken: tokens.refresh_token! };
}

const blocksOf = (userId: string) => sesame.sesame.db.selectFrom('throttle_blocks').select('key').where('user_id', '=', userId).execute();

/** Expects a dialog titled `title` saying `says`, and answers it with the button named `answer`. */
async function confirmDialog(page: Page, title: string, says: RegExp, answer: 'Cancel' | string) {
  const dialog = page.getByRole('dialog', { name: title });
  await expect.poll(() => dialog.count()).toBe(1);
  expect(await dialog.textContent()).toMatch(says);
  await dialog.getByRole('button', { name: answer, exact: true }).click();
  await expect.poll(() => page.getByRole('dialog').count()).toBe(0);
}

describe('destructive actions ask first', () => {
  it('Revoke access on the account page asks first, says what the app loses, and Cancel keeps it', async () => {
    const { user, rp, refreshToken } = await consentedUser();
    const { page } = await newPerson(browser, { viewport: { width: 1280, height: 800 } });
    await page.goto(`${sesame.url}/account`);
    await signInOnPage(page, { login: user.username, password: user.password });
    await page.getByRole('heading', { name: 'Connected apps' }).waitFor();
    await page.getByRole('button', { name: 'Revoke access: Partner Notes' }).click();

    await page.getByRole('heading', { name: 'Revoke access of Partner Notes?' }).waitFor();
    expect(await page.locator('main').textContent()).toContain('Partner Notes will no longer be able to use your account');
    expect(await page.getByRole('listitem').allTextContents()).toContain('Your name and basic profile');
    await screenshot(page, file, '01-account-revoke-confirm');
    // Only asking changed nothing; Cancel goes back with the app still connected.
    const stillValid = await client.refreshTokenGrant(rp.config, refreshToken);
    await page.getByRole('link', { name: 'Cancel' }).click();
    await page.getByRole('heading', { name: 'Partner Notes' }).waitFor();

    await page.getByRole('button', { name: 'Revoke access: Partner Notes' }).click();
    await page.getByRole('button', { name: 'Revoke access' }).click();
    await page.getByRole('status').filter({ hasText: 'Partner Notes no longer has access to your account.' }).waitFor();
    await expect(client.refreshTokenGrant(rp.config, stillValid.refresh_token ?? refreshToken)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('the console asks before revoking a grant, removing a role, or unlocking a user', async () => {
    const { page } = admin;
    const { user, rp, refreshToken } = await consentedUser();
    const { roleId } = await giveRole(sesame, user.id, { name: 'Notes API', indicator: 'https://api.notes.example.com', scopes: ['read:notes'] }, ['read:notes']);
    const role = await sesame.sesame.db.selectFrom('roles').select('name').where('id', '=', roleId).executeTakeFirstOrThrow();
    // Two wrong passwords from this machine lock the account key out here.
    for (let i = 0; i < 2; i++) {
      const agent = new UserAgent(sesame.url);
      const request = await authorizationRequest(rp, { scope: 'openid' });
      const { response, url } = await agent.follow(request.url.toString());
      const form = parseForm(await response.text(), url);
      await agent.follow(form.action, { form: { ...form.fields, login: user.username, password: 'wrong password' } });
    }

    await openConsolePage(page, sesame, `/users/${user.id}`, 'Ada Lovelace');
    await expect.poll(() => page.getByText(/Locked out until/).count()).toBe(1);

    await page.getByRole('button', { name: 'Revoke access of Partner Notes' }).click();
    await confirmDialog(page, 'Revoke access', /Partner Notes loses access to this user’s account.*ask the user for consent again/, 'Cancel');
    const kept = await client.refreshTokenGrant(rp.config, refreshToken);
    await page.getByRole('button', { name: 'Revoke access of Partner Notes' }).click();
    await confirmDialog(page, 'Revoke access', /loses access/, 'Revoke access');
    await toast(page, 'Access of Partner Notes revoked');
    await expect(client.refreshTokenGrant(rp.config, kept.refresh_token ?? refreshToken)).rejects.toMatchObject({ error: 'invalid_grant' });

    await page.getByRole('button', { name: `Remove role ${role.name}` }).click();
    await screenshot(page, file, '02-remove-role-confirm');
    await confirmDialog(page, 'Remove role', /loses the API scopes the role .* gives them/, 'Cancel');
    expect(await sesame.sesame.db.selectFrom('user_roles').select('role_id').where('user_id', '=', user.id).execute()).toHaveLength(1);
    await page.getByRole('button', { name: `Remove role ${role.name}` }).click();
    await confirmDialog(page, 'Remove role', /loses the API scopes/, 'Remove role');
    await toast(page, `Role ${role.name} removed`);
    expect(await sesame.sesame.db.selectFrom('user_roles').select('role_id').where('user_id', '=', user.id).execute()).toHaveLength(0);

    await page.getByRole('button', { name: 'Unlock' }).click();
    await screenshot(page, file, '03-unlock-confirm');
    await confirmDialog(page, 'Unlock user', /allowed again at once, before the block ends/, 'Cancel');
    expect(await blocksOf(user.id)).not.toHaveLength(0);
    await page.getByRole('button', { name: 'Unlock' }).click();
    await confirmDialog(page, 'Unlock user', /allowed again/, 'Unlock');
    await expect.poll(() => page.getByText(/Locked out until/).count()).toBe(0);
    expect(await blocksOf(user.id)).toHaveLength(0);
  });

  it('the console asks before removing an app’s permission, deleting a scope, or removing a scope or a member from a role', async () => {
    const { page } = admin;
    const user = await sesame.createUser({ username: 'grace', name: 'Grace Hopper' });
    const { resourceId, roleId } = await giveRole(sesame, user.id, { name: 'Docs API', indicator: 'https://api.docs.example.com', scopes: ['read:docs', 'write:docs'] }, ['read:docs']);
    const scopes = () => sesame.sesame.db.selectFrom('api_resource_scopes').select('name').where('resource_id', '=', resourceId).execute();

    const docsApp = await sesame.createApp({ name: 'Docs reader', type: 'spa', third_party: true, redirect_uris: ['https://docs.example.com/cb'] });
    await allow(sesame, docsApp.clientId, [], [{ indicator: 'https://api.docs.example.com', scope: 'read:docs' }]);
    const allowed = () => sesame.sesame.db.selectFrom('application_resource_scopes').select('scope_id').where('application_id', '=', docsApp.clientId).execute();
    await openConsolePage(page, sesame, `/applications/${docsApp.clientId}/permissions`, 'Docs reader');
    await page.getByRole('button', { name: 'Remove read:docs of Docs API' }).click();
    await confirmDialog(page, 'Remove permission', /Docs reader may no longer ask for read:docs of Docs API/, 'Cancel');
    expect(await allowed()).toHaveLength(1);
    await page.getByRole('button', { name: 'Remove read:docs of Docs API' }).click();
    await confirmDialog(page, 'Remove permission', /no longer ask/, 'Remove permission');
    await toast(page, 'Removed read:docs');
    expect(await allowed()).toHaveLength(0);

    await openConsolePage(page, sesame, `/resources/${resourceId}`, 'Docs API');
    await page.getByRole('button', { name: 'Delete scope write:docs' }).click();
    await screenshot(page, file, '04-delete-scope-confirm');
    await confirmDialog(page, 'Delete scope', /write:docs is removed from every role and app/, 'Cancel');
    expect(await scopes()).toHaveLength(2);
    await page.getByRole('button', { name: 'Delete scope write:docs' }).click();
    await confirmDialog(page, 'Delete scope', /removed from every role and app/, 'Delete scope');
    await toast(page, 'Scope write:docs deleted');
    expect(await scopes()).toHaveLength(1);

    const role = await sesame.sesame.db.selectFrom('roles').select('name').where('id', '=', roleId).executeTakeFirstOrThrow();
    await openConsolePage(page, sesame, `/roles/${roleId}`, role.name);
    await page.getByRole('button', { name: 'Remove scope read:docs' }).click();
    await confirmDialog(page, 'Remove scope', /no longer get read:docs through it/, 'Cancel');
    await page.getByRole('button', { name: 'Remove grace from the role' }).click();
    await screenshot(page, file, '05-remove-member-confirm');
    await confirmDialog(page, 'Remove member', /grace loses the scopes/, 'Cancel');
    expect(await sesame.sesame.db.selectFrom('role_scopes').select('scope_id').where('role_id', '=', roleId).execute()).toHaveLength(1);
    expect(await sesame.sesame.db.selectFrom('user_roles').select('user_id').where('role_id', '=', roleId).execute()).toHaveLength(1);

    await page.getByRole('button', { name: 'Remove scope read:docs' }).click();
    await confirmDialog(page, 'Remove scope', /no longer get/, 'Remove scope');
    await toast(page, 'Scope read:docs removed');
    await page.getByRole('button', { name: 'Remove grace from the role' }).click();
    await confirmDialog(page, 'Remove member', /loses the scopes/, 'Remove member');
    await toast(page, 'grace removed');
    expect(await sesame.sesame.db.selectFrom('role_scopes').select('scope_id').where('role_id', '=', roleId).execute()).toHaveLength(0);
    expect(await sesame.sesame.db.selectFrom('user_roles').select('user_id').where('role_id', '=', roleId).execute()).toHaveLength(0);
  });
});
