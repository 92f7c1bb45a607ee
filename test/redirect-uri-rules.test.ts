import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redirectUriProblem } from '../src/apps/redirect-uri.ts';
import type { AppType } from '../src/db/tables.ts';
import { ServiceError } from '../src/errors.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';

/**
 * Hostile redirect URIs (DESIGN.md §3). Each is refused at registration, with a message naming the URI and the
 * rule, or — when it is a fine URI to register but not the one the app registered — at authorization, where
 * oidc-provider shows an error page instead of redirecting.
 */

type BrowserOrNative = Exclude<AppType, 'm2m'>;

interface RefusedAtRegistration {
  uri: string;
  type: BrowserOrNative;
  /** The rule the message must state. */
  rule: RegExp;
}

const rules = {
  scheme: /must be an absolute URI with a scheme/,
  spacing: /contains whitespace, control or invisible characters, or a backslash/,
  fragment: /must not contain a fragment/,
  userinfo: /must not contain user information/,
  forbiddenScheme: /uses the forbidden scheme/,
  dotSegment: /must not contain dot-segments/,
  canonicalHost: /must write its host as/,
  https: /must use https/,
  customScheme: /custom schemes are for native apps/,
  empty: /is empty/,
  tooLong: /is longer than 2048 characters/,
  invalid: /is not a valid URI/,
  slashes: /must be written as https?:\/\/host/,
  oneHost: /must name one host/,
  nativeLoopbackHttp: /a native app's loopback redirect uses http, not https/,
};

const refusedAtRegistration: RefusedAtRegistration[] = [
  // open-redirect tricks
  { uri: 'https://evil.com#@app.example.com', type: 'traditional', rule: rules.fragment },
  { uri: 'https://app.example.com@evil.com/cb', type: 'traditional', rule: rules.userinfo },
  { uri: 'https://app.example.com%2f@evil.com/cb', type: 'spa', rule: rules.userinfo },
  { uri: 'https://evil.com%23@app.example.com/cb', type: 'spa', rule: rules.userinfo },
  { uri: '//evil.com/cb', type: 'traditional', rule: rules.scheme },
  { uri: '/relative/cb', type: 'spa', rule: rules.scheme },
  { uri: 'cb', type: 'native', rule: rules.scheme },
  { uri: 'https:/\\evil.com', type: 'traditional', rule: rules.spacing },
  { uri: 'https:\\\\evil.com\\cb', type: 'traditional', rule: rules.spacing },
  { uri: 'https://evil.com\\@app.example.com/cb', type: 'spa', rule: rules.spacing },
  { uri: 'myapp:/\\evil.com', type: 'native', rule: rules.spacing },
  { uri: 'https://app.example.com/c\tb', type: 'traditional', rule: rules.spacing },
  { uri: 'https://app.example.com/cb\n', type: 'traditional', rule: rules.spacing },
  { uri: 'https://app.example.com/cb\r\nLocation: https://evil.com', type: 'spa', rule: rules.spacing },
  { uri: ' https://app.example.com/cb', type: 'spa', rule: rules.spacing },
  { uri: 'https://app.example.com/cb\u0000', type: 'traditional', rule: rules.spacing },
  { uri: 'https://app.example.com/\u202ebc', type: 'traditional', rule: rules.spacing },
  { uri: 'https:evil.com/cb', type: 'traditional', rule: rules.slashes },
  { uri: 'HTTPS://app.example.com/cb', type: 'traditional', rule: rules.slashes },
  // percent-encoded, Unicode and numeric hosts: the browser goes where the parser reads, not where it looks
  { uri: 'https://evil%2ecom/cb', type: 'traditional', rule: rules.canonicalHost },
  { uri: 'https://app%2eexample.com/cb', type: 'spa', rule: rules.canonicalHost },
  { uri: 'https://%65vil.com/cb', type: 'traditional', rule: rules.canonicalHost },
  { uri: 'https://app.example.com%40evil.com/cb', type: 'traditional', rule: rules.invalid },
  { uri: 'https:///evil.com/cb', type: 'traditional', rule: rules.canonicalHost },
  { uri: 'https://app.example.com\u3002evil.com/cb', type: 'spa', rule: rules.canonicalHost },
  { uri: 'https://\u0430pple.com/cb', type: 'traditional', rule: rules.canonicalHost },
  { uri: 'https://app.example.com:443/cb', type: 'traditional', rule: rules.canonicalHost },
  { uri: 'http://0x7f000001/cb', type: 'native', rule: rules.canonicalHost },
  { uri: 'http://2130706433/cb', type: 'native', rule: rules.canonicalHost },
  { uri: 'http://127.1/cb', type: 'native', rule: rules.canonicalHost },
  { uri: 'https://*.example.com/cb', type: 'traditional', rule: rules.oneHost },
  // dangerous schemes in any letter case
  { uri: 'javascript:alert(document.domain)', type: 'native', rule: rules.forbiddenScheme },
  { uri: 'JaVaScRiPt:alert(1)', type: 'native', rule: rules.forbiddenScheme },
  { uri: 'javascript://app.example.com/%0aalert(1)', type: 'traditional', rule: rules.forbiddenScheme },
  { uri: 'DATA:text/html,<script>alert(1)</script>', type: 'native', rule: rules.forbiddenScheme },
  { uri: 'VBScript:msgbox(1)', type: 'native', rule: rules.forbiddenScheme },
  { uri: 'FILE:///etc/passwd', type: 'native', rule: rules.forbiddenScheme },
  { uri: 'file://localhost/etc/passwd', type: 'spa', rule: rules.forbiddenScheme },
  { uri: 'blob:https://app.example.com/1234', type: 'native', rule: rules.forbiddenScheme },
  // dot-segments, plain and percent-encoded
  { uri: 'https://app.example.com/%2e%2e/admin', type: 'traditional', rule: rules.dotSegment },
  { uri: 'https://app.example.com/cb/%2E', type: 'traditional', rule: rules.dotSegment },
  { uri: 'https://app.example.com/./cb', type: 'spa', rule: rules.dotSegment },
  { uri: 'https://app.example.com/cb/../admin', type: 'spa', rule: rules.dotSegment },
  { uri: 'https://app.example.com/.%2E/cb', type: 'traditional', rule: rules.dotSegment },
  { uri: 'myapp://cb/../steal', type: 'native', rule: rules.dotSegment },
  { uri: 'http://127.0.0.1/cb/%2e%2e/x', type: 'native', rule: rules.dotSegment },
  // user information
  { uri: 'https://user:pass@app.example.com/cb', type: 'traditional', rule: rules.userinfo },
  { uri: 'https://user@app.example.com/cb', type: 'spa', rule: rules.userinfo },
  { uri: 'http://evil.com@127.0.0.1/cb', type: 'native', rule: rules.userinfo },
  { uri: 'myapp://user@cb', type: 'native', rule: rules.userinfo },
  // http outside loopback, custom schemes for web apps, https on loopback for native apps
  { uri: 'http://app.example.com/cb', type: 'traditional', rule: rules.https },
  { uri: 'http://app.example.com/cb', type: 'spa', rule: rules.https },
  { uri: 'http://evil.com/cb', type: 'native', rule: rules.https },
  { uri: 'http://127.0.0.1.evil.com/cb', type: 'native', rule: rules.https },
  { uri: 'http://localhost.evil.com/cb', type: 'spa', rule: rules.https },
  { uri: 'http://[::ffff:7f00:1]/cb', type: 'native', rule: rules.https },
  { uri: 'myapp://cb', type: 'traditional', rule: rules.customScheme },
  { uri: 'com.example.app:/cb', type: 'spa', rule: rules.customScheme },
  { uri: 'https://127.0.0.1/cb', type: 'native', rule: rules.nativeLoopbackHttp },
  // fragments
  { uri: 'https://app.example.com/cb#access_token', type: 'spa', rule: rules.fragment },
  { uri: 'https://app.example.com/cb#', type: 'traditional', rule: rules.fragment },
  { uri: 'myapp://cb#x', type: 'native', rule: rules.fragment },
  // empty, unparsable, very long
  { uri: '', type: 'traditional', rule: rules.empty },
  { uri: 'https://app.example.com:99999/cb', type: 'traditional', rule: rules.invalid },
  { uri: 'https://[::1/cb', type: 'spa', rule: rules.invalid },
  { uri: `https://app.example.com/${'a'.repeat(4096)}`, type: 'traditional', rule: rules.tooLong },
];

type BaselineApp = 'web' | 'spa' | 'native' | 'webLoopback';

interface RefusedAtAuthorization {
  uri: string;
  /** The app the authorization request names; see `baselines` for what each registered. */
  app: BaselineApp;
}

const baselines: Record<BaselineApp, { type: BrowserOrNative; redirect_uris: string[] }> = {
  web: { type: 'traditional', redirect_uris: ['https://app.example.com/cb'] },
  spa: { type: 'spa', redirect_uris: ['https://spa.example.com/cb?tenant=1'] },
  native: { type: 'native', redirect_uris: ['http://127.0.0.1/callback', 'http://[::1]/callback?flow=1', 'myapp://cb'] },
  webLoopback: { type: 'traditional', redirect_uris: ['http://127.0.0.1:8080/cb'] },
};

// Fine to register for some app, but not what these apps registered: compared exactly, they are refused.
const refusedAtAuthorization: RefusedAtAuthorization[] = [
  // lookalike hosts
  { uri: 'https://app.example.com.evil.com/cb', app: 'web' },
  { uri: 'https://app.example.com./cb', app: 'web' },
  { uri: 'https://xn--pp-example-gfb.com/cb', app: 'web' },
  { uri: 'https://xn--80ak6aa92e.com/cb', app: 'web' },
  { uri: 'https://app-example.com/cb', app: 'web' },
  { uri: 'https://evilapp.example.com/cb', app: 'web' },
  // the right host, something else changed
  { uri: 'http://app.example.com/cb', app: 'web' },
  { uri: 'https://app.example.com:8443/cb', app: 'web' },
  { uri: 'https://app.example.com/cb/', app: 'web' },
  { uri: 'https://app.example.com/CB', app: 'web' },
  { uri: 'https://app.example.com/cb?next=https://evil.com', app: 'web' },
  { uri: 'https://app.example.com/cb%2f..%2f..%2fevil', app: 'web' },
  { uri: 'https://app.example.com/%63b', app: 'web' },
  { uri: 'https://spa.example.com/cb', app: 'spa' },
  { uri: 'https://spa.example.com/cb?tenant=2', app: 'spa' },
  { uri: 'https://spa.example.com/cb?tenant=1&tenant=2', app: 'spa' },
  { uri: 'https://spa.example.com/cb?Tenant=1', app: 'spa' },
  // a web app's loopback redirect keeps its port: only native apps may change it
  { uri: 'http://127.0.0.1:9090/cb', app: 'webLoopback' },
  { uri: 'http://127.0.0.1/cb', app: 'webLoopback' },
  { uri: 'http://localhost:8080/cb', app: 'webLoopback' },
  // native loopback: the port may differ, nothing else may
  { uri: 'http://127.0.0.1:49152/callback2', app: 'native' },
  { uri: 'http://127.0.0.1:49152/Callback', app: 'native' },
  { uri: 'http://127.0.0.1:49152/callback/', app: 'native' },
  { uri: 'http://127.0.0.1:49152/callback/x', app: 'native' },
  { uri: 'http://127.0.0.1:49152/callback?x=1', app: 'native' },
  { uri: 'http://127.0.0.1:49152/', app: 'native' },
  { uri: 'http://localhost:49152/callback', app: 'native' },
  { uri: 'https://127.0.0.1:49152/callback', app: 'native' },
  { uri: 'http://127.0.0.1:49152/%63allback', app: 'native' },
  { uri: 'http://evil@127.0.0.1:49152/callback', app: 'native' },
  { uri: 'http://127.0.0.1:49152@evil.com/callback', app: 'native' },
  { uri: 'http://127.0.0.1:49152.evil.com/callback', app: 'native' },
  { uri: 'http://127.0.0.1:0x50/callback', app: 'native' },
  { uri: 'http://[::1]:49152/callback', app: 'native' },
  { uri: 'http://[::1]:49152/callback?flow=2', app: 'native' },
  { uri: 'http://[::1]:49152/callback?flow=1&x=1', app: 'native' },
  { uri: 'myapp://cb2', app: 'native' },
  { uri: 'myapp://evil.com/cb', app: 'native' },
  { uri: 'myapp://cb:1234', app: 'native' },
];

let sesame: TestSesame;
const clientIds = {} as Record<BaselineApp, string>;

beforeAll(async () => {
  sesame = await startTestSesame();
  for (const [name, baseline] of Object.entries(baselines) as [BaselineApp, (typeof baselines)[BaselineApp]][]) {
    const app = await sesame.createApp({ name: `Baseline ${name}`, ...baseline });
    clientIds[name] = app.clientId;
  }
});
afterAll(async () => sesame?.stop());

const challenge = createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url');

/** An authorization request that is valid in every respect but the redirect URI. */
async function authorize(clientId: string, redirectUri: string): Promise<Response> {
  const url = new URL('/oidc/auth', sesame.url);
  url.search = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    scope: 'openid',
    redirect_uri: redirectUri,
    state: 'state-1',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  return fetch(url, { redirect: 'manual' });
}

async function expectErrorPage(response: Response): Promise<void> {
  const page = await response.text();
  expect(response.headers.get('location')).toBeNull();
  expect(response.status).toBe(400);
  expect(response.headers.get('content-type')).toMatch(/text\/html/);
  expect(page).toMatch(/invalid_redirect_uri|invalid_request/);
}

const typeBaseline: Record<BrowserOrNative, BaselineApp> = { traditional: 'web', spa: 'spa', native: 'native' };
/** How a message names a URI: quoted, with invisible characters escaped so it reads as it is. */
const shown = (uri: string) => JSON.stringify(uri).replace(/\p{C}/gu, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
const preview = (uri: string) => JSON.stringify(uri.length > 80 ? `${uri.slice(0, 77)}...` : uri);

describe('hostile redirect URIs', () => {
  it('has at least 30 of them', () => {
    expect(refusedAtRegistration.length + refusedAtAuthorization.length).toBeGreaterThanOrEqual(30);
  });

  describe.each(refusedAtRegistration.map((row) => ({ ...row, name: preview(row.uri) })))('$name for a $type app', ({ uri, type, rule }) => {
    it('is refused at registration with a message naming the URI and the rule', async () => {
      const error = await sesame.createApp({ name: 'Hostile', type, redirect_uris: [uri] }).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(ServiceError);
      expect((error as ServiceError).code).toBe('application.invalid');
      expect((error as ServiceError).message).toContain(`Redirect URI ${shown(uri)}`);
      expect((error as ServiceError).message).toMatch(rule);
      expect((error as ServiceError).message).not.toMatch(/\p{C}/u);
    });

    it('is refused as a post-logout redirect URI too', () => {
      expect(redirectUriProblem(uri, type, 'post-logout redirect')).toMatch(rule);
    });

    it.skipIf(uri === '')('never receives a redirect from the authorization endpoint', async () => {
      await expectErrorPage(await authorize(clientIds[typeBaseline[type]], uri));
    });
  });

  describe.each(refusedAtAuthorization.map((row) => ({ ...row, name: preview(row.uri) })))('$name for the $app app', ({ uri, app }) => {
    it('is refused at authorization with an error page and no redirect', async () => {
      expect(baselines[app].redirect_uris).not.toContain(uri);
      await expectErrorPage(await authorize(clientIds[app], uri));
    });
  });

  it('leaves the empty redirect_uri of a one-redirect app to the registered one, never elsewhere', async () => {
    const response = await authorize(clientIds.web, '');
    if (response.status >= 300 && response.status < 400) {
      expect(new URL(response.headers.get('location')!, sesame.url).origin).toBe(sesame.url);
    } else {
      await expectErrorPage(response);
    }
  });
});

describe('the registered redirect URIs themselves', () => {
  it.each([
    ['web', 'https://app.example.com/cb'],
    ['spa', 'https://spa.example.com/cb?tenant=1'],
    ['webLoopback', 'http://127.0.0.1:8080/cb'],
    ['native', 'http://127.0.0.1/callback'],
    ['native', 'http://127.0.0.1:49152/callback'],
    ['native', 'http://[::1]:61000/callback?flow=1'],
    ['native', 'myapp://cb'],
    // Scheme and host are case-insensitive (RFC 3986 §6.2.2.1): compared in lower case, as browsers write them;
    // the code goes to the registered form (test/redirect-uri-canonical.test.ts).
    ['web', 'https://APP.example.com/cb'],
    ['native', 'MYAPP://cb'],
  ] as [BaselineApp, string][])('%s accepts %s (on to sign-in)', async (app, uri) => {
    const response = await authorize(clientIds[app], uri);
    await response.arrayBuffer();
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toMatch(/^\/interaction\//);
  });
});

describe('redirectUriProblem', () => {
  it.each([
    ['https://app.example.com/callback', 'traditional'],
    ['https://app.example.com/callback?tenant=1', 'traditional'],
    ['https://app.example.com', 'spa'],
    ['https://app.example.com:8443/cb', 'spa'],
    ['https://xn--bcher-kva.example/cb', 'traditional'],
    ['http://127.0.0.1:8080/cb', 'traditional'],
    ['http://localhost:3000/cb', 'spa'],
    ['http://[::1]/cb', 'spa'],
    ['myapp://cb', 'native'],
    ['com.example.app:/cb', 'native'],
    ['com.example.app:/oauth2redirect/example-provider', 'native'],
    ['http://127.0.0.1/callback', 'native'],
    ['http://[::1]/cb', 'native'],
    ['http://localhost/cb', 'native'],
    ['https://app.example.com/native-callback', 'native'],
  ] as [string, AppType][])('accepts %s for a %s app', (uri, type) => {
    expect(redirectUriProblem(uri, type)).toBeUndefined();
  });

  it.each(refusedAtRegistration.map((row) => [preview(row.uri), row.type, row] as const))('refuses %s for a %s app', (_name, _type, row) => {
    const problem = redirectUriProblem(row.uri, row.type);
    expect(problem).toMatch(row.rule);
    expect(problem).toContain(shown(row.uri));
  });

  it('names post-logout redirect URIs as such', () => {
    expect(redirectUriProblem('http://evil.com/bye', 'spa', 'post-logout redirect')).toMatch(/^post-logout redirect URI "http:\/\/evil.com\/bye" must use https/);
  });
});
