import * as client from 'openid-client';
import { expect } from 'vitest';
import type { TestSesame } from './sesame.ts';
import type { UserAgent } from './user-agent.ts';

/** A response openid-client received, kept so tests can check headers it does not expose. */
export interface SeenResponse {
  url: string;
  status: number;
  headers: Headers;
}

export interface RelyingParty {
  config: client.Configuration;
  clientId: string;
  redirectUri: string;
  /** Every response from Sesame, newest last. */
  responses: SeenResponse[];
}

/**
 * An app as openid-client sees it: configured by discovery against the test server, authenticating with
 * `auth` (client_secret_basic when a secret is given, none otherwise).
 */
export async function relyingParty(
  sesame: Pick<TestSesame, 'url'>,
  app: { clientId: string; clientSecret?: string },
  redirectUri: string,
  auth?: client.ClientAuth,
): Promise<RelyingParty> {
  const responses: SeenResponse[] = [];
  const clientAuth = auth ?? (app.clientSecret ? client.ClientSecretBasic(app.clientSecret) : client.None());
  const config = await client.discovery(new URL(sesame.url), app.clientId, app.clientSecret, clientAuth, {
    execute: [client.allowInsecureRequests],
  });
  config[client.customFetch] = async (url, options) => {
    const response = await fetch(url, options as RequestInit);
    responses.push({ url, status: response.status, headers: response.headers });
    return response;
  };
  return { config, clientId: app.clientId, redirectUri, responses };
}

export interface AuthorizationRequest {
  /** The code verifier whose S256 challenge was sent; undefined when the request carried no PKCE. */
  verifier?: string;
  state: string;
  nonce: string;
  url: URL;
}

/** An authorization URL with a fresh state, nonce and (unless `pkce: false`) an S256 code challenge. */
export async function authorizationRequest(
  rp: RelyingParty,
  params: Record<string, string> = {},
  options: { pkce?: boolean } = {},
): Promise<AuthorizationRequest> {
  const verifier = options.pkce === false ? undefined : client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(rp.config, {
    redirect_uri: rp.redirectUri,
    scope: 'openid',
    state,
    nonce,
    ...(verifier ? { code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' } : {}),
    ...params,
  });
  return { verifier, state, nonce, url };
}

/**
 * Exchanges the code in `callback` with the checks openid-client makes (state, nonce, iss, PKCE), sending
 * `parameters` with it (such as the `resource` the token is for).
 */
export async function exchangeCode(rp: RelyingParty, request: AuthorizationRequest, callback: URL, parameters?: Record<string, string>) {
  return client.authorizationCodeGrant(rp.config, callback, {
    pkceCodeVerifier: request.verifier,
    expectedState: request.state,
    expectedNonce: request.nonce,
  }, parameters);
}

/** Signs `agent` in through the real sign-in page and redeems the code: the whole flow an app runs. */
export async function signIn(
  rp: RelyingParty,
  agent: UserAgent,
  credentials: { login: string; password: string } | undefined,
  params: Record<string, string> = {},
) {
  const request = await authorizationRequest(rp, params);
  const callback = await agent.authorize(request.url.toString(), credentials);
  const tokens = await exchangeCode(rp, request, callback);
  return { request, callback, tokens };
}

/** Expects `promise` to fail with the OAuth error code `error` in a response body (RFC 6749 §5.2). */
export async function expectOAuthError(promise: Promise<unknown>, error: string): Promise<void> {
  const failure = await promise.then(() => undefined, (e: unknown) => e);
  expect(failure, `expected the OAuth error ${error}`).toBeInstanceOf(client.ResponseBodyError);
  expect((failure as client.ResponseBodyError).error).toBe(error);
}

/** Whether Sesame's introspection endpoint still considers `token` active. */
export async function isActive(rp: RelyingParty, token: string): Promise<boolean> {
  const result = await client.tokenIntrospection(rp.config, token);
  return result.active;
}

/** The status of a userinfo request made with `accessToken`. */
export async function userinfoStatus(rp: RelyingParty, accessToken: string): Promise<number> {
  const endpoint = rp.config.serverMetadata().userinfo_endpoint!;
  const response = await fetch(endpoint, { headers: { authorization: `Bearer ${accessToken}` } });
  await response.arrayBuffer();
  return response.status;
}

/**
 * A token request made by hand, for what openid-client will not send: it always derives redirect_uri from
 * the callback URL without its query, so it cannot redeem a code for a redirect URI that has one.
 */
export async function tokenRequest(rp: RelyingParty, clientSecret: string | undefined, params: Record<string, string>): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (clientSecret) {
    const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
    headers.authorization = `Basic ${Buffer.from(`${encode(rp.clientId)}:${encode(clientSecret)}`).toString('base64')}`;
  }
  const body = new URLSearchParams(clientSecret ? params : { client_id: rp.clientId, ...params });
  return fetch(rp.config.serverMetadata().token_endpoint!, { method: 'POST', headers, body });
}
