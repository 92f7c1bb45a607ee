import { CookieJar } from 'tough-cookie';

/**
 * A person's browser, minus the rendering: keeps cookies, follows redirects within the issuer, and fills
 * in the sign-in form the way a person would (by the labelled fields), including its hidden CSRF field.
 * Browser tests with chromium cover the rendered pages; this drives protocol tests quickly.
 */
export class UserAgent {
  readonly jar: CookieJar;
  readonly issuer: string;
  readonly headers: Record<string, string>;
  /**
   * Where requests for the issuer really go (a TLS-terminating proxy's backend, or one node of several); cookies
   * stay the issuer's, and `jar` may be another agent's, to be the same browser talking to another node.
   */
  readonly backend?: string;

  constructor(issuer: string, headers: Record<string, string> = {}, backend?: string, jar = new CookieJar()) {
    this.issuer = issuer;
    this.headers = headers;
    this.backend = backend;
    this.jar = jar;
  }

  async request(url: string, init: { method?: string; form?: Record<string, string> | URLSearchParams } = {}): Promise<Response> {
    const cookie = await this.jar.getCookieString(url);
    const target = this.backend && url.startsWith(this.issuer) ? this.backend + url.slice(this.issuer.length) : url;
    const response = await fetch(target, {
      method: init.method ?? (init.form ? 'POST' : 'GET'),
      redirect: 'manual',
      headers: {
        // What a browser sends on navigation; oidc-provider answers errors as HTML only when asked for it.
        accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
        ...this.headers,
        ...(cookie ? { cookie } : {}),
        ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: init.form ? new URLSearchParams(init.form).toString() : undefined,
    });
    for (const header of response.headers.getSetCookie()) await this.jar.setCookie(header, url);
    return response;
  }

  /** Follows redirects while they stay on the issuer; returns the last response and where it points. */
  async follow(url: string, init: { method?: string; form?: Record<string, string> | URLSearchParams } = {}): Promise<{ response: Response; url: string }> {
    let response = await this.request(url, init);
    let current = url;
    for (let hops = 0; hops < 10 && response.status >= 300 && response.status < 400; hops++) {
      const location = new URL(response.headers.get('location')!, current).toString();
      if (!location.startsWith(this.issuer)) return { response, url: location };
      await response.arrayBuffer();
      current = location;
      response = await this.request(current);
    }
    return { response, url: current };
  }

  /**
   * Opens an authorization URL and signs in if asked; returns where Sesame finally sends the browser
   * (the app's redirect URI with code or error), or throws with the page it got stuck on.
   */
  async authorize(authorizationUrl: string, credentials?: { login: string; password: string }): Promise<URL> {
    let { response, url } = await this.follow(authorizationUrl);
    if (response.status >= 300 && response.status < 400) return new URL(url);
    let page = await response.text();
    if (credentials && isSignInPage(page)) {
      const form = parseForm(page, url);
      ({ response, url } = await this.follow(form.action, {
        form: { ...form.fields, login: credentials.login, password: credentials.password },
      }));
      if (response.status >= 300 && response.status < 400) return new URL(url);
      page = await response.text();
    }
    throw new SignInStuckError(response.status, url, page);
  }
}

export class SignInStuckError extends Error {
  readonly status: number;
  readonly page: string;

  constructor(status: number, url: string, page: string) {
    super(`sign-in stopped at ${url} (HTTP ${status}): ${page.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').slice(0, 300)}`);
    this.status = status;
    this.page = page;
  }
}

export function isSignInPage(page: string): boolean {
  return /<label for="login">/.test(page) && /name="password"/.test(page);
}

/** The first form of a page: its absolute action and its hidden fields. */
export function parseForm(page: string, base: string): { action: string; fields: Record<string, string> } {
  const form = /<form[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/.exec(page);
  if (!form) throw new Error('no form on the page');
  const fields: Record<string, string> = {};
  for (const input of form[2]!.matchAll(/<input[^>]*type="hidden"[^>]*>/g)) {
    const name = /name="([^"]+)"/.exec(input[0])?.[1];
    const value = /value="([^"]*)"/.exec(input[0])?.[1] ?? '';
    if (name) fields[name] = decodeEntities(value);
  }
  return { action: new URL(decodeEntities(form[1]!), base).toString(), fields };
}

function decodeEntities(value: string): string {
  return value.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}
