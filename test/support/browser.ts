import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';

/**
 * Browser tests drive Debian's chromium (never a downloaded browser) through playwright-core. `npm test`
 * installs it when it is missing; SESAME_TEST_CHROMIUM points at another build (a developer's own machine).
 */
export const chromiumPath = process.env.SESAME_TEST_CHROMIUM ?? '/usr/bin/chromium';

/** What the machine allows: no sandbox as root, no GPU, and no background calls to Google's hosts (the network is closed). */
const chromiumArgs = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** One browser per test file; playwright gives it a fresh, empty user data folder. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`Chromium is not installed at ${chromiumPath}. Run \`npm test\` as root (it installs Debian's chromium), `
      + 'or `apt-get install chromium fonts-noto-cjk`, or set SESAME_TEST_CHROMIUM to a Chromium binary.');
  }
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
}

/**
 * A person: a browser context of their own (cookies, storage, language), so two people or two visits
 * share nothing. English unless `locale` says otherwise; Accept-Language follows `locale`.
 */
export async function newPerson(browser: Browser, options: BrowserContextOptions = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 520, height: 900 }, ...options });
  context.setDefaultTimeout(30_000);
  return { context, page: await context.newPage() };
}

/** test-artifacts/screenshots/<test file>/<name>.png: kept by CI as the run's artefacts. */
export async function screenshot(page: Page, testFile: string, name: string): Promise<string> {
  const dir = path.resolve('test-artifacts', 'screenshots', path.basename(testFile).replace(/\.test\.ts$/, ''));
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * A web app whose origin exists nowhere: the browser's requests to it are answered here. Its page
 * `/sign-in` has a "Sign in with Sesame" link to an authorization URL, and each arrival at its redirect URI
 * is handed to whoever waits for it (the app's callback). The browser leaves for Sesame by that link, as it
 * would from a real app: a redirect from a navigation the test starts with page.goto is not routed by
 * playwright (chromium then really looks the made-up host up and fails), one from a click is.
 */
export async function interceptRedirects(context: BrowserContext, redirectUri: string, assets: Record<string, { type: string; body: string }> = {}) {
  const origin = new URL(redirectUri).origin;
  const callbacks = new Waiters<URL>();
  await context.route(`${origin}/**`, async (route) => {
    const url = new URL(route.request().url());
    const asset = assets[url.pathname];
    if (asset) return route.fulfill({ status: 200, contentType: asset.type, body: asset.body });
    if (url.pathname === '/sign-in') {
      const to = (url.searchParams.get('to') ?? '').replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
      return route.fulfill({ status: 200, contentType: 'text/html', body: `<!doctype html><title>App</title><a href="${to}">Sign in with Sesame</a>` });
    }
    if (`${url.origin}${url.pathname}` === redirectUri) {
      callbacks.push(url);
      return route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>App</title><p>Signed in.</p>' });
    }
    return route.fulfill({ status: 404, body: '' });
  });
  return {
    redirectUri,
    /** Opens the app's page and follows its sign-in link to `authorizationUrl`. */
    async open(page: Page, authorizationUrl: string): Promise<void> {
      const start = `${origin}/sign-in?to=${encodeURIComponent(authorizationUrl)}`;
      await page.goto(start);
      await page.getByRole('link', { name: 'Sign in with Sesame' }).click();
      await page.waitForURL((url) => url.href !== start, { waitUntil: 'commit' });
    },
    next: () => callbacks.next(),
  };
}

/** What a loopback listener serves at a path: an HTML page, or a file of another type (a logo). */
export type ServedFile = string | { type: string; body: string };

/**
 * A real HTTP listener on a loopback port chosen at run time: a native app's redirect (RFC 8252 §7.3), or
 * another origin's page. `pages` answers by path; the callback path hands its URL to whoever waits for it.
 */
export async function loopbackListener(callbackPath = '/callback', pages: Record<string, ServedFile> = {}) {
  const callbacks = new Waiters<URL>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    if (url.pathname === callbackPath) callbacks.push(url);
    const page = url.pathname === callbackPath ? '<!doctype html><title>App</title><p>You can close this window.</p>' : pages[url.pathname];
    const { type, body } = typeof page === 'object' ? page : { type: 'text/html; charset=utf-8', body: page };
    res.writeHead(body ? 200 : 404, { 'content-type': type }).end(body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    /** What the listener serves besides the callback; may be filled in later. */
    pages,
    redirectUri: `${origin}${callbackPath}`,
    next: () => callbacks.next(),
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** Values arriving one at a time, taken in order by those who wait for them. */
class Waiters<T> {
  private readonly arrived: T[] = [];
  private readonly waiting: ((value: T) => void)[] = [];

  push(value: T): void {
    const waiter = this.waiting.shift();
    if (waiter) waiter(value);
    else this.arrived.push(value);
  }

  next(timeoutMs = 30_000): Promise<T> {
    const value = this.arrived.shift();
    if (value !== undefined) return Promise.resolve(value);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.splice(this.waiting.indexOf(done), 1);
        reject(new Error(`nothing arrived at the redirect URI within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (v: T) => { clearTimeout(timer); resolve(v); };
      this.waiting.push(done);
    });
  }
}

/** The words a page's controls are found by: English unless a test passes another catalogue. */
export interface SignInLabels { 'signIn.login': string; 'signIn.password': string; 'signIn.submit': string }

/** Fills the sign-in page the way a person does: by the fields' visible labels. */
export async function signInOnPage(page: Page, credentials: { login: string; password: string }, labels?: SignInLabels): Promise<void> {
  const words = labels ?? { 'signIn.login': 'Username or email', 'signIn.password': 'Password', 'signIn.submit': 'Sign in' };
  await page.getByLabel(words['signIn.login'], { exact: true }).fill(credentials.login);
  await page.getByLabel(words['signIn.password'], { exact: true }).fill(credentials.password);
  await page.getByRole('button', { name: words['signIn.submit'], exact: true }).click();
}
