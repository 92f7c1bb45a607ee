import { SignJWT, importJWK, type JWK } from 'jose';
import { loadKeys } from '../../src/keys/key-store.ts';
import { expect } from 'vitest';
import type { TestSesame } from './sesame.ts';

/** Creates an m2m app granted Management API access and returns its credentials. */
export async function createManagementApp(sesame: TestSesame, name = 'Automation') {
  const app = await sesame.createApp({ name, type: 'm2m', management_access: true });
  return { clientId: app.clientId, clientSecret: app.clientSecret! };
}

/** Client credentials at the token endpoint; returns the raw response. */
export async function clientCredentials(sesame: TestSesame, app: { clientId: string; clientSecret: string }, params: Record<string, string> = {}) {
  return fetch(`${sesame.url}/oidc/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(app.clientId)}:${encodeURIComponent(app.clientSecret)}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...params }).toString(),
  });
}

/** A Management API access token, obtained the way automation obtains one. */
export async function managementToken(sesame: TestSesame, app?: { clientId: string; clientSecret: string }): Promise<string> {
  const credentials = app ?? await createManagementApp(sesame);
  const response = await clientCredentials(sesame, credentials, { resource: `${sesame.url}/api`, scope: 'management' });
  const body = await response.json() as { access_token?: string };
  if (!response.ok || !body.access_token) throw new Error(`no management token: ${response.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

/** Signs a JWT with Sesame's own active signing key, to craft tokens the provider would not issue (expired ones). */
export async function signWithSesameKey(sesame: TestSesame, payload: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  const keys = await loadKeys(sesame.sesame.db, sesame.sesame.sealer);
  const jwk = keys.jwks.find((k) => k.alg === 'RS256') as JWK;
  const key = await importJWK(jwk, 'RS256');
  return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: jwk.kid, typ: 'at+jwt', ...header }).sign(key);
}

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** Calls the Management API with a bearer token (or none), sending and reading JSON. */
export function apiClient(sesame: TestSesame, token?: string) {
  return async function call<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const response = await fetch(`${sesame.url}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, headers: response.headers, body: parsed as T };
  };
}

/** An RFC 9457 problem with the given status and stable code, and no internals (no stack) in it. */
export function expectProblem(response: ApiResponse, status: number, code: string): void {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(response.body).toMatchObject({ status, code, title: expect.any(String), detail: expect.any(String), type: expect.stringContaining(code) });
  expect(JSON.stringify(response.body)).not.toMatch(/at \w+ \(|node_modules|stack/i);
}
