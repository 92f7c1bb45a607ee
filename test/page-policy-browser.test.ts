import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, newPerson } from './support/browser.ts';
import { apiClient, managementToken } from './support/management.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';

/** What chromium says about Sesame's pages: no policy it rejects, no missing icon. */

let browser: Browser;
let sesame: TestSesame;
let app: { clientId: string };

beforeAll(async () => {
  [browser, sesame] = await Promise.all([launchBrowser(), startTestSesame()]);
  app = await sesame.createApp({ name: 'Web', type: 'traditional', redirect_uris: ['https://web.example.com/cb'] });
});
afterAll(async () => {
  await browser?.close();
  await sesame?.stop();
});

/** Opens `url` and returns the console errors and the failed requests the page caused. */
async function visit(url: string, until: (page: Page) => Promise<unknown>) {
  const { context, page } = await newPerson(browser);
  const errors: string[] = [];
  page.on('console', (message) => { if (message.type() === 'error' || message.type() === 'warning') errors.push(message.text()); });
  page.on('response', (response) => { if (response.status() === 404) errors.push(`404 ${response.url()}`); });
  await page.goto(url);
  await until(page);
  // The icon is fetched after the load.
  await page.waitForLoadState('networkidle');
  await context.close();
  return errors;
}

describe('page policy and icon', () => {
  it('the sign-in page raises no Content-Security-Policy error and has an icon', async () => {
    const url = `${sesame.url}/oidc/auth?client_id=${app.clientId}&response_type=code&redirect_uri=https%3A%2F%2Fweb.example.com%2Fcb&scope=openid`;
    const errors = await visit(url, (page) => page.getByLabel('Password', { exact: true }).waitFor());
    expect(errors.filter((e) => /Content Security Policy|404/.test(e))).toEqual([]);
  });

  it('the console raises no Content-Security-Policy error either', async () => {
    const errors = await visit(`${sesame.url}/console/setup?token=${'x'.repeat(43)}`, (page) => page.getByRole('heading').first().waitFor());
    expect(errors.filter((e) => /Content Security Policy|404/.test(e))).toEqual([]);
    const spa = await visit(`${sesame.url}/console`, (page) => page.waitForURL((u) => u.pathname.startsWith('/interaction/')));
    expect(spa.filter((e) => /Content Security Policy|404/.test(e))).toEqual([]);
  });

  it('serves /favicon.ico, cacheable', async () => {
    const response = await fetch(`${sesame.url}/favicon.ico`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^image\//);
    expect(response.headers.get('cache-control')).toMatch(/^public, max-age=\d+/);
    expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(0);
  });
});

describe('logos the page policy cannot allow', () => {
  it('are refused when set: an IPv6 loopback logo, which no CSP source can name', async () => {
    const api = apiClient(sesame, await managementToken(sesame));
    const refused = await api('PUT', '/api/sign-in-experience', { logo_url: 'http://[::1]:8080/logo.png' });
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toContainEqual({ pointer: '/logo_url', detail: expect.stringContaining('localhost') });
    expect((await api('PUT', '/api/sign-in-experience', { logo_url: 'http://127.0.0.1:8080/logo.png' })).status).toBe(200);
  });
});
