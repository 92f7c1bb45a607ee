import { InMemoryWebStorage, UserManager, WebStorageStateStore, type User } from 'oidc-client-ts';

/** What the server tells the console about itself (GET /console/config.json). */
export interface ConsoleConfig {
  issuer: string;
  clientId: string;
  /** The Management API's base URL, which is also its resource indicator (RFC 8707). */
  managementApi: string;
  redirectUri?: string;
  postLogoutRedirectUri?: string;
  resource?: string;
  scope?: string;
  productName?: string;
}

export const managementScope = 'management';

export async function loadConfig(): Promise<ConsoleConfig> {
  const response = await fetch(`${import.meta.env.BASE_URL}config.json`, { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`could not load the console configuration (HTTP ${response.status})`);
  return response.json() as Promise<ConsoleConfig>;
}

/**
 * Authorization code + PKCE against Sesame itself. Tokens live in memory only (never localStorage or
 * sessionStorage): a reload signs in again, which is silent while the Sesame session lasts. The short-lived
 * PKCE state sits in sessionStorage, the only place that survives the redirect, and holds no token.
 */
export function createUserManager(config: ConsoleConfig): UserManager {
  const consoleUrl = `${config.issuer}${import.meta.env.BASE_URL.replace(/\/$/, '')}`;
  return new UserManager({
    authority: config.issuer,
    client_id: config.clientId,
    redirect_uri: config.redirectUri ?? `${consoleUrl}/callback`,
    post_logout_redirect_uri: config.postLogoutRedirectUri ?? consoleUrl,
    response_type: 'code',
    scope: config.scope ?? `openid profile ${managementScope}`,
    extraQueryParams: { resource: config.resource ?? config.managementApi },
    extraTokenParams: { resource: config.resource ?? config.managementApi },
    userStore: new WebStorageStateStore({ store: new InMemoryWebStorage() }),
    stateStore: new WebStorageStateStore({ store: window.sessionStorage, prefix: 'sesame-console.' }),
    automaticSilentRenew: false,
    monitorSession: false,
    loadUserInfo: false,
  });
}

/** The scopes the access token itself carries (an RFC 9068 JWT); none when it is not a JWT. */
export function accessTokenScopes(user: User): string[] {
  const [, payload] = user.access_token.split('.');
  if (!payload) return [];
  try {
    const json = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { scope?: unknown };
    return typeof json.scope === 'string' ? json.scope.split(' ') : [];
  } catch {
    return [];
  }
}

export function isAdminSession(user: User): boolean {
  return accessTokenScopes(user).includes(managementScope);
}

/** Who is signed in, for the header. */
export function displayName(user: User): string {
  const p = user.profile;
  return (p.name ?? p.preferred_username ?? p.email ?? p.sub) as string;
}
