import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, loopbackListener, screenshot } from './support/browser.ts';
import { horizontalOverflow, laptop, openConsolePage, requireConsoleBuild, signedInAdmin, type ConsoleAdmin } from './support/console.ts';
import { apiClient, managementToken } from './support/management.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';

/**
 * The console as an admin finds it at a laptop's width: the lists' empty states, where Create sits, where
 * the destructive buttons sit, names and URIs as long as Sesame takes them, and the branding previews.
 */
const file = import.meta.filename;
/** 256 characters without a space: the longest app name Sesame takes. */
const longName = 'Superlongapplicationname'.repeat(11).slice(0, 256);
const longUri = (host: string) => `https://${host}/${'callbackpathsegment'.repeat(60)}`;
const logoSvg = '<svg xmlns="http://www.w3.org/2000/svg" width="48" height="48"><rect width="48" height="48" rx="10" fill="#16a34a"/></svg>';

let browser: Browser;
let sesame: TestSesame;
let admin: ConsoleAdmin;
let api: ReturnType<typeof apiClient>;
let logoServer: Awaited<ReturnType<typeof loopbackListener>>;

beforeAll(async () => {
  requireConsoleBuild();
  [browser, sesame, logoServer] = await Promise.all([
    launchBrowser(),
    startTestSesame({ SESAME_LOG_LEVEL: 'warn' }),
    loopbackListener('/callback', { '/logo.svg': { type: 'image/svg+xml', body: logoSvg } }),
  ]);
  admin = await signedInAdmin(browser, sesame);
});

afterAll(async () => {
  await browser?.close();
  await logoServer?.close();
  await sesame?.stop();
});

/** The Create button of a list page: where it sits, relative to the page's title and the content's right edge. */
async function createButtonPlace(page: Page, name: string) {
  await expect.poll(() => page.getByRole('button', { name, exact: true }).count()).toBeGreaterThan(0);
  return page.evaluate((label) => {
    const main = document.querySelector('main')!;
    const content = main.getBoundingClientRect();
    const padding = parseFloat(getComputedStyle(main).paddingRight);
    const title = main.querySelector('h1')!.getBoundingClientRect();
    const found = [...main.querySelectorAll('button')].find((b) => b.textContent?.trim() === label)!.getBoundingClientRect();
    return { fromTop: Math.round(found.top - title.top), fromRight: Math.round(content.right - padding - found.right) };
  }, name);
}

describe('the console at a laptop width', () => {
  it('My apps, empty while third-party apps exist, says so and points to them and to Create', async () => {
    const { page } = admin;
    await sesame.createApp({ name: 'Partner Notes', type: 'spa', third_party: true });
    await openConsolePage(page, sesame, '/applications', 'Applications');
    const panel = page.getByRole('tabpanel');
    // The other tab's count arrives with its own request, after the empty state.
    await expect.poll(() => panel.textContent()).toMatch(/You have no apps of your own yet.*1 third-party app/);
    expect(await panel.textContent()).not.toContain('No applications yet');
    expect(await panel.getByRole('button', { name: 'Create application' }).count()).toBe(1);
    await screenshot(page, file, '01-my-apps-empty');
    await panel.getByRole('link', { name: 'Show third-party apps' }).click();
    await expect.poll(() => page.getByRole('tab', { name: 'Third-party apps' }).getAttribute('aria-selected')).toBe('true');
    await expect.poll(() => page.getByRole('link', { name: 'Partner Notes' }).count()).toBe(1);

    // The other way round: own apps only.
    const own = await sesame.createApp({ name: 'Intranet', type: 'traditional' });
    await sesame.sesame.db.deleteFrom('applications').where('name', '=', 'Partner Notes').execute();
    await openConsolePage(page, sesame, '/applications?tab=third-party', 'Applications');
    await expect.poll(() => page.getByRole('tabpanel').textContent()).toMatch(/No third-party apps yet.*1 app of your own/);
    await page.getByRole('tabpanel').getByRole('link', { name: 'Show my apps' }).click();
    await expect.poll(() => page.getByRole('link', { name: 'Intranet' }).count()).toBe(1);
    await sesame.sesame.db.deleteFrom('applications').where('id', '=', own.clientId).execute();
  });

  it('puts Create in the same place on every list page', async () => {
    const { page } = admin;
    const places = [];
    for (const [path, title, create] of [
      ['/applications', 'Applications', 'Create application'],
      ['/users', 'Users', 'Create user'],
      ['/resources', 'API resources', 'Create API resource'],
      ['/roles', 'Roles', 'Create role'],
    ] as const) {
      await openConsolePage(page, sesame, path, title);
      places.push({ path, ...await createButtonPlace(page, create) });
      await screenshot(page, file, `02-create${path.replace(/\//g, '-')}`);
    }
    // Top right of the content, level with the title, on each page.
    for (const place of places) expect(place, place.path).toMatchObject({ fromTop: places[0]!.fromTop, fromRight: 0 });
    expect(places[0]!.fromTop).toBeLessThan(16);
  });

  it('shows names, URIs and descriptions as long as Sesame takes them without scrolling sideways', async () => {
    const { page } = admin;
    api = apiClient(sesame, await managementToken(sesame));
    const created = async (method: string, path: string, body: unknown) => {
      const response = await api(method, path, body);
      expect(response.status, JSON.stringify(response.body)).toBeLessThan(300);
      return response.body;
    };
    const longText = 'Descriptionwithoutanyspaces'.repeat(75).slice(0, 2048);
    const thirdParty = await created('POST', '/api/applications', {
      name: longName, description: longText, type: 'traditional', third_party: true,
      redirect_uris: [longUri('partner.example.com'), 'https://partner.example.com/cb'],
      post_logout_redirect_uris: [longUri('partner.example.com')],
    });
    await created('POST', '/api/applications', { name: `${longName.slice(0, 255)}2`, description: longText, type: 'spa', redirect_uris: [longUri('own.example.com')] });
    await created('PUT', `/api/applications/${thirdParty.id}/branding`, {
      display_name: longName, logo_url: `https://partner.example.com/${'logo'.repeat(400)}.svg`,
      terms_url: longUri('partner.example.com'), privacy_url: longUri('partner.example.com'),
    });
    const resource = await created('POST', '/api/resources', {
      name: longName, indicator: `https://api.example.com/${'resource'.repeat(200)}`,
      scopes: [{ name: `read:${'x'.repeat(120)}`, description: 'Scopedescription'.repeat(64) }],
    });
    await created('POST', `/api/applications/${thirdParty.id}/permissions`, { user_scopes: ['profile'], resource_scopes: [{ resource: resource.indicator, scope: resource.scopes[0].name }] });
    const role = await created('POST', '/api/roles', { name: longName.slice(0, 128), description: longText.slice(0, 1024) });
    await created('POST', `/api/roles/${role.id}/scopes`, { scope_ids: [resource.scopes[0].id] });
    const user = await created('POST', '/api/users', {
      username: 'u'.repeat(128), name: longName, email: `${'e'.repeat(60)}@${'mail'.repeat(60)}.example.com`, password: 'a long passphrase',
    });
    await created('POST', `/api/users/${user.id}/roles`, { role_ids: [role.id] });
    await created('PUT', '/api/sign-in-experience', { product_name: 'P'.repeat(64), logo_url: `https://brand.example.com/${'logo'.repeat(500)}.svg` });

    const pages: [string, string | RegExp, string][] = [
      ['/applications', 'Applications', 'apps-mine'],
      ['/applications?tab=third-party', 'Applications', 'apps-third-party'],
      [`/applications/${thirdParty.id}/settings`, longName, 'app-settings'],
      [`/applications/${thirdParty.id}/endpoints`, longName, 'app-endpoints'],
      [`/applications/${thirdParty.id}/permissions`, longName, 'app-permissions'],
      [`/applications/${thirdParty.id}/branding`, longName, 'app-branding'],
      ['/users', 'Users', 'users'],
      [`/users/${user.id}`, longName, 'user'],
      ['/resources', 'API resources', 'resources'],
      [`/resources/${resource.id}`, longName, 'resource'],
      ['/roles', 'Roles', 'roles'],
      [`/roles/${role.id}`, longName.slice(0, 128), 'role'],
      ['/sign-in-experience', 'Sign-in experience', 'sign-in-experience'],
    ];
    const found: Record<string, string[]> = {};
    for (const [width, label] of [[laptop.width, 'laptop'], [390, 'phone']] as const) {
      await page.setViewportSize({ width, height: laptop.height });
      for (const [path, heading, name] of pages) {
        await openConsolePage(page, sesame, path, heading);
        await page.waitForLoadState('networkidle');
        // On a phone a wide table may scroll inside its frame; the page itself never does.
        const problems = (await horizontalOverflow(page)).filter((p) => label === 'laptop' || p.startsWith('the page is'));
        if (problems.length) found[`${label} ${path}`] = problems;
        await screenshot(page, file, `03-long-${label}-${name}`);
      }
    }
    await page.setViewportSize(laptop);
    expect(found).toEqual({});
  });

  it('keeps Delete out of the page headers, in a Danger zone at the bottom', async () => {
    const { page } = admin;
    const app = await sesame.createApp({ name: 'Doomed app', type: 'traditional' });
    const user = await sesame.createUser({ username: 'doomed-user' });
    const resource = (await api('POST', '/api/resources', { name: 'Doomed API', indicator: 'https://doomed.example.com' })).body;
    const role = (await api('POST', '/api/roles', { name: 'Doomed role' })).body;
    for (const [path, heading, button, name] of [
      [`/applications/${app.clientId}/settings`, 'Doomed app', 'Delete application', 'app'],
      [`/users/${user.id}`, /doomed-user/, 'Delete user', 'user'],
      [`/resources/${resource.id}`, 'Doomed API', 'Delete API resource', 'resource'],
      [`/roles/${role.id}`, 'Doomed role', 'Delete role', 'role'],
    ] as const) {
      await openConsolePage(page, sesame, path, heading);
      const zone = page.getByRole('region', { name: 'Danger zone' });
      await expect.poll(() => zone.getByRole('button', { name: button }).count(), { message: path }).toBe(1);
      expect(await page.getByRole('button', { name: button }).count(), path).toBe(1);
      // Below everything else on the page.
      const last = await page.evaluate(() => {
        const regions = [...document.querySelectorAll('main section, main form')].filter((el) => el.getBoundingClientRect().height > 0);
        const bottom = Math.max(...regions.map((el) => el.getBoundingClientRect().bottom));
        const zoneEl = [...document.querySelectorAll('main section')].find((el) => el.querySelector('h2')?.textContent === 'Danger zone')!;
        return { zoneBottom: zoneEl.getBoundingClientRect().bottom, bottom, outermost: zoneEl.parentElement?.tagName };
      });
      expect(last.zoneBottom, path).toBeGreaterThanOrEqual(last.bottom - 1);
      await zone.getByRole('button', { name: button }).scrollIntoViewIfNeeded();
      await screenshot(page, file, `04-danger-zone-${name}`);
    }
  });

  it('previews a logo served from a loopback address, as the consent and sign-in pages show it', async () => {
    const { page } = admin;
    const app = await sesame.createApp({ name: 'Loopback Notes', type: 'native', third_party: true, redirect_uris: ['http://127.0.0.1/callback'] });
    const logoUrl = `${logoServer.origin}/logo.svg`;
    const loaded = (figure: string) => page.getByRole('figure', { name: figure }).locator('img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0);

    await openConsolePage(page, sesame, `/applications/${app.clientId}/branding`, 'Loopback Notes');
    await page.getByLabel('Logo URL', { exact: true }).fill(logoUrl);
    await expect.poll(() => loaded('Consent screen preview')).toBe(true);
    await screenshot(page, file, '05-branding-loopback-logo');

    // A logo the consent page would not show (plain http to another host) is not shown as a broken image.
    await page.getByLabel('Logo URL', { exact: true }).fill('http://logos.example.com/logo.svg');
    const preview = page.getByRole('figure', { name: 'Consent screen preview' });
    await expect.poll(() => preview.locator('img').count()).toBe(0);
    expect(await preview.textContent()).toContain('L');
    await expect.poll(() => page.getByText('The consent screen will not show this logo').count()).toBe(1);

    await openConsolePage(page, sesame, '/sign-in-experience', 'Sign-in experience');
    await page.getByLabel('Logo URL', { exact: true }).fill(logoUrl);
    await expect.poll(() => loaded('Sign-in page preview')).toBe(true);
    await screenshot(page, file, '06-sign-in-experience-loopback-logo');
  });
});
