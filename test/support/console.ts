import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import { newPerson, signInOnPage } from './browser.ts';
import type { TestSesame } from './sesame.ts';

/** The admin console's browser tests: console/dist must exist (`npm test` builds it; by hand `npm run build:console`). */
export function requireConsoleBuild(): void {
  if (!existsSync(path.resolve('console/dist/index.html'))) {
    throw new Error('console/dist is missing: run `npm run build:console` (npm test builds it first)');
  }
}

/** A laptop's window, where the console must fit without scrolling sideways. */
export const laptop = { width: 1280, height: 800 };

export interface ConsoleAdmin {
  context: BrowserContext;
  page: Page;
  admin: { id: string; username: string; password: string };
}

/** A new admin in a browser of their own, signed in to the console through Sesame's sign-in page. */
export async function signedInAdmin(browser: Browser, sesame: TestSesame, username = 'console-admin'): Promise<ConsoleAdmin> {
  const admin = await sesame.createUser({ username, password: 'a long admin passphrase', name: 'Console Admin', admin: true });
  const { context, page } = await newPerson(browser, { viewport: laptop });
  await page.goto(`${sesame.url}/console`);
  await page.waitForURL((url) => url.pathname.startsWith('/interaction/'));
  await signInOnPage(page, { login: admin.username, password: admin.password });
  await page.waitForURL((url) => url.pathname.startsWith('/console/applications'));
  return { context, page, admin };
}

/**
 * Opens a console page by its path below /console. The console keeps its token in memory, so a load signs in
 * again, silently, with the Sesame session.
 */
export async function openConsolePage(page: Page, sesame: TestSesame, consolePath: string, heading: string | RegExp): Promise<void> {
  await page.goto(`${sesame.url}/console${consolePath}`);
  await expect.poll(() => page.getByRole('heading', { level: 1, name: heading }).count()).toBe(1);
}

/** Waits for a toast (role status) saying `text`. */
/**
 * Presses a button that saves through the Management API and waits for that request's answer, then for the toast:
 * a toast left over from an earlier save (they stay a few seconds) would otherwise pass for this one.
 */
export async function saveWith(page: Page, button: string, saved: string | RegExp): Promise<void> {
  await Promise.all([
    page.waitForResponse((response) => new URL(response.url()).pathname.startsWith('/api/') && response.request().method() !== 'GET'),
    page.getByRole('button', { name: button }).click(),
  ]);
  await toast(page, saved);
}

export async function toast(page: Page, text: string | RegExp): Promise<void> {
  await expect.poll(() => page.getByRole('status').filter({ hasText: text }).count()).toBeGreaterThan(0);
}

/**
 * What makes the page wider than the window, or cuts text off: the document scrolling sideways, an element in
 * the content that scrolls sideways or clips its text, or one that ends past the window's right edge.
 */
export function horizontalOverflow(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const width = document.documentElement.clientWidth;
    const describe = (el: Element) => {
      const text = (el.textContent ?? '').trim().slice(0, 40);
      return `<${el.tagName.toLowerCase()}${el.className ? ` class="${String(el.className)}"` : ''}>${text ? ` “${text}…”` : ''}`;
    };
    if (document.documentElement.scrollWidth > width) {
      problems.push(`the page is ${document.documentElement.scrollWidth}px wide in a ${width}px window`);
    }
    for (const el of document.querySelectorAll<HTMLElement>('.shell *')) {
      if (el.matches('input, textarea, select, .visually-hidden, .visually-hidden *')) continue;
      const style = getComputedStyle(el);
      if (style.display === 'none' || style.position === 'fixed') continue;
      if (style.overflowX !== 'visible' && el.scrollWidth > el.clientWidth + 1) {
        problems.push(`${describe(el)} ${style.overflowX === 'auto' || style.overflowX === 'scroll' ? 'scrolls sideways' : 'cuts its content off'} (${el.scrollWidth}px in ${el.clientWidth}px)`);
      }
      const right = el.getBoundingClientRect().right;
      if (right > width + 1) problems.push(`${describe(el)} ends at ${Math.round(right)}px`);
    }
    return problems.slice(0, 10);
  });
}
