import { createLocalJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { Middleware } from 'koa';
import { isThirdParty } from '../apps/third-party.ts';
import type { Directory } from '../cache/directory.ts';
import type { Db } from '../db/database.ts';
import { isGrantLive } from '../grants/grant.repository.ts';
import { signingAlgs } from '../keys/key-store.ts';
import type { ProviderHolder } from '../oidc/provider-holder.ts';
import { managementApiIndicator, managementGrantClaim, managementScope } from '../resources/management-api.ts';
import { ProblemError } from './problem.ts';

/** Who called the Management API: an m2m app for itself, or an admin through an app such as the console. */
export type Principal =
  | { kind: 'application'; clientId: string }
  | { kind: 'user'; userId: string; clientId: string };

export interface BearerAuthDeps {
  db: Db;
  directory: Directory;
  providers: ProviderHolder;
}

const realm = 'Bearer realm="sesame-management-api"';

function unauthorized(code: string, detail: string, error?: string): ProblemError {
  const challenge = error ? `${realm}, error="${error}", error_description="${detail.replace(/["\\]/g, '')}"` : realm;
  return new ProblemError(code, detail, 401, { headers: { 'WWW-Authenticate': challenge } });
}

function forbidden(code: string, detail: string): ProblemError {
  return new ProblemError(code, detail, 403, {
    headers: { 'WWW-Authenticate': `${realm}, error="insufficient_scope", scope="${managementScope}"` },
  });
}

/**
 * Verifies RFC 9068 access tokens that Sesame issued for its Management API, against the keys the provider
 * signs with. Another node may have rotated the keys a moment ago: an unknown `kid` reloads them once.
 */
export function createTokenVerifier(providers: ProviderHolder) {
  let cachedFor: unknown;
  let keySet: ReturnType<typeof createLocalJWKSet> | undefined;
  let lastReload = 0;
  const currentKeySet = () => {
    if (cachedFor !== providers.publicJwks || !keySet) {
      cachedFor = providers.publicJwks;
      keySet = createLocalJWKSet({ keys: providers.publicJwks });
    }
    return keySet;
  };
  const verifyOnce = (token: string) => {
    const issuer = providers.provider.issuer;
    return jwtVerify(token, currentKeySet(), {
      issuer,
      audience: managementApiIndicator(issuer),
      typ: 'at+jwt',
      algorithms: [...signingAlgs],
      requiredClaims: ['exp', 'iat', 'sub', 'client_id'],
    });
  };
  return async function verifyAccessToken(token: string): Promise<JWTPayload> {
    try {
      return (await verifyOnce(token)).payload;
    } catch (error) {
      // At most one reload every few seconds, so tokens with made-up key ids cannot hammer the database.
      if (!(error instanceof joseErrors.JWKSNoMatchingKey) || Date.now() - lastReload < 5000) throw error;
      lastReload = Date.now();
      if (!(await providers.refresh())) throw error;
      return (await verifyOnce(token)).payload;
    }
  };
}

function describeTokenError(error: unknown): ProblemError {
  if (error instanceof joseErrors.JWTExpired) return unauthorized('auth.token_expired', 'the access token has expired', 'invalid_token');
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    const detail = error.claim === 'aud'
      ? 'the access token is not for the Management API (request it with resource=<issuer>/api)'
      : `the access token's ${error.claim} claim is not valid`;
    return unauthorized('auth.invalid_token', detail, 'invalid_token');
  }
  if (error instanceof joseErrors.JOSEError) {
    return unauthorized('auth.invalid_token', 'the access token is not a Management API token issued by this Sesame', 'invalid_token');
  }
  throw error;
}

/**
 * Whoever the token names must still be allowed now: access is withdrawn the moment an admin withdraws it, and a
 * person's token ends with the sign-in it came from (its grant: signing out of the console ends it).
 */
async function currentPrincipal({ db, directory }: Omit<BearerAuthDeps, 'providers'>, payload: JWTPayload): Promise<Principal> {
  const clientId = String(payload.client_id);
  const app = await directory.application(clientId);
  if (!app?.management_access || isThirdParty(app) || app.origin !== 'admin') {
    throw forbidden('auth.access_withdrawn', 'the application that obtained this token no longer has Management API access');
  }
  if (payload.sub === clientId && app.type === 'm2m') return { kind: 'application', clientId };
  const user = payload.sub ? await directory.user(payload.sub) : undefined;
  if (!user?.is_admin || user.suspended) throw forbidden('auth.not_admin', 'only an active admin may use the Management API');
  const grantId = payload[managementGrantClaim];
  if (typeof grantId !== 'string' || !(await isGrantLive(db, grantId))) {
    throw unauthorized('auth.signed_out', 'the sign-in this token came from has ended (signed out, or access revoked); sign in again', 'invalid_token');
  }
  return { kind: 'user', userId: user.id, clientId };
}

/**
 * Why a token lacks the scope, when the reason is the person: a user signed in to an app with management
 * access (the console) who is not an active admin. The console tells them so instead of a generic refusal.
 */
async function assertNotRefusedAdmin(directory: Directory, payload: JWTPayload): Promise<void> {
  const clientId = String(payload.client_id);
  if (!payload.sub || payload.sub === clientId) return;
  const app = await directory.application(clientId);
  if (!app?.management_access || isThirdParty(app) || app.type === 'm2m') return;
  const user = await directory.user(payload.sub);
  if (user && (!user.is_admin || user.suspended)) throw forbidden('auth.not_admin', 'only an active admin may use the Management API');
}

/** Requires `Authorization: Bearer <Management API access token>` with the `management` scope. */
export function requireManagementToken({ db, directory, providers }: BearerAuthDeps): Middleware {
  const verify = createTokenVerifier(providers);
  return async function authenticate(ctx, next) {
    const header = ctx.get('authorization');
    const match = /^Bearer[ ]+([A-Za-z0-9._~+/-]+=*)$/i.exec(header);
    if (!header) throw unauthorized('auth.missing_token', 'send a Management API access token as Authorization: Bearer <token>');
    if (!match) throw unauthorized('auth.invalid_token', 'the Authorization header must be Bearer <token>', 'invalid_request');
    const payload = await verify(match[1]!).catch((error: unknown) => { throw describeTokenError(error); });
    const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
    if (!scopes.includes(managementScope)) {
      await assertNotRefusedAdmin(directory, payload);
      throw forbidden('auth.insufficient_scope', `the access token lacks the ${managementScope} scope`);
    }
    ctx.state.principal = await currentPrincipal({ db, directory }, payload);
    await next();
  };
}
