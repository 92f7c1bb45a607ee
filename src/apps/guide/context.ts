import type { Application } from '../../db/tables.ts';
import { isConfidential } from '../app-types.ts';
import { loopbackHosts } from '../redirect-uri.ts';
import { clientSecretPlaceholder } from './guide.schema.ts';

/**
 * What every part of the guide is written from: the app as stored, what the provider serves (passed in by the
 * caller, which knows the engine's routes), and the scopes the app may ask for.
 */

export interface ProviderFacts {
  issuer: string;
  discovery: string;
  endpoints: {
    authorization: string;
    token: string;
    userinfo: string;
    jwks: string;
    endSession: string;
    revocation: string;
    introspection: string;
    /** The device flow's (RFC 8628): where a device asks for a code, where the person enters it. */
    deviceAuthorization: string;
    deviceVerification: string;
  };
  /** The algorithm of the app's ID tokens. */
  idTokenSigningAlg: string;
  /** The claims each OpenID Connect scope releases. */
  claimsByScope: Readonly<Record<string, readonly string[]>>;
}

export interface GuideScope { name: string; description: string }
export interface GuideResource { indicator: string; name: string; scopes: GuideScope[] }

/** A redirect URI the samples use: the app's own, or an example to register when the app has none of that kind. */
export interface ChosenRedirect {
  uri: string;
  registered: boolean;
}

export interface GuideContext {
  app: Application;
  facts: ProviderFacts;
  userScopes: GuideScope[];
  resources: GuideResource[];
  /** What the sign-in samples ask for: `openid` and the profile scopes the app may have. */
  signInScope: string;
  /** The client secret as the samples write it (the placeholder); undefined for a public client. */
  clientSecret: string | undefined;
  /** The issuer is plain http (a development set-up): libraries that refuse http must be told. */
  insecureIssuer: boolean;
}

export function guideContext(app: Application, facts: ProviderFacts, userScopes: GuideScope[], resources: GuideResource[]): GuideContext {
  const names = new Set(userScopes.map((s) => s.name));
  const signIn = ['openid', ...['profile', 'email'].filter((s) => names.has(s))];
  if (app.type === 'native' && names.has('offline_access')) signIn.push('offline_access');
  return {
    app,
    facts,
    userScopes,
    resources,
    signInScope: signIn.join(' '),
    clientSecret: isConfidential(app.type) ? clientSecretPlaceholder : undefined,
    insecureIssuer: new URL(facts.issuer).protocol === 'http:',
  };
}

const isWeb = (uri: string) => /^https?:\/\//i.test(uri);
const isLoopback = (uri: string) => {
  try {
    const url = new URL(uri);
    return url.protocol === 'http:' && loopbackHosts.has(url.hostname);
  } catch {
    return false;
  }
};

/** Examples that work on a developer's machine, used (and flagged) until the app has a redirect URI of that kind. */
const exampleRedirects = {
  traditional: 'http://localhost:3000/callback',
  spa: 'http://localhost:5173/callback',
  loopback: 'http://127.0.0.1/callback',
  scheme: 'com.example.app:/oauth2redirect',
};

function chosen(uris: string[], test: (uri: string) => boolean, example: string): ChosenRedirect {
  const uri = uris.find(test);
  return uri ? { uri, registered: true } : { uri: example, registered: false };
}

/** The web app's or SPA's callback. */
export function webRedirect(app: Application): ChosenRedirect {
  return chosen(app.redirect_uris, isWeb, app.type === 'spa' ? exampleRedirects.spa : exampleRedirects.traditional);
}

/** A desktop or command-line app's loopback redirect (RFC 8252 §7.3). */
export function loopbackRedirect(app: Application): ChosenRedirect {
  return chosen(app.redirect_uris, isLoopback, exampleRedirects.loopback);
}

/** A mobile app's custom-scheme redirect (RFC 8252 §7.1). */
export function schemeRedirect(app: Application): ChosenRedirect {
  return chosen(app.redirect_uris, (uri) => !isWeb(uri), exampleRedirects.scheme);
}

/** Where sign-out returns, when the app registered somewhere. */
export function postLogoutRedirect(app: Application): string | undefined {
  return app.post_logout_redirect_uris[0];
}

/** The port a Node sample listens on for `redirect`: its own on an http URI, else behind a TLS proxy. */
export function listenPort(redirect: string): number | undefined {
  const url = new URL(redirect);
  if (url.protocol !== 'http:') return undefined;
  return Number(url.port || 80);
}

/** What the app lacks before the samples can sign in. */
export function redirectWarnings(app: Application): string[] {
  const add = (example: string) =>
    `This app has no redirect URI yet. The samples use \`${example}\`: add it (or the app's real callback) under Settings → Redirect URIs, or sign-in stops with a redirect URI error.`;
  if (app.type === 'traditional' || app.type === 'spa') {
    const web = webRedirect(app);
    return web.registered ? [] : [add(web.uri)];
  }
  if (app.type === 'native') {
    const warnings: string[] = [];
    const loopback = loopbackRedirect(app);
    const scheme = schemeRedirect(app);
    if (!loopback.registered) warnings.push(`This app has no loopback redirect URI yet, which desktop and command-line apps use. The samples use \`${loopback.uri}\`: add it under Settings → Redirect URIs (without a port; the app picks any free port when it runs).`);
    if (!scheme.registered) warnings.push(`This app has no custom-scheme redirect URI yet, which mobile apps use. The samples use \`${scheme.uri}\`: add the app's own (reverse-domain form, like \`com.yourcompany.app:/oauth2redirect\`) under Settings → Redirect URIs.`);
    return warnings;
  }
  return [];
}
