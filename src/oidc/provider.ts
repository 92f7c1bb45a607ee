import { errors, interactionPolicy, Provider, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { Logger } from 'pino';
import { allowedCorsOrigins } from '../apps/redirect-uri.ts';
import type { Directory } from '../cache/directory.ts';
import type { Config } from '../config/config.ts';
import type { Db } from '../db/database.ts';
import type { LoadedKeys } from '../keys/key-store.ts';
import { roleNamesOfUser } from '../permissions/permission.repository.ts';
import { adapterFactory, isUnmatchableSecret } from './adapter.ts';
import type { ArtifactCache } from './artifact-cache.ts';
import { clientRegistrations, shapeRegistrationResponses } from './registered-clients.ts';
import { registrationGate } from './registration-gate.ts';
import { generateClientSecret } from '../apps/app.service.ts';
import { newClientId } from '../ids.ts';
import { appUseRecorder } from '../registration/dynamic-app-lifecycle.service.ts';
import { claimsByScope, oidcScopes, userClaims } from './claims.ts';
import { corsPreflightGuard } from './cors-preflight.ts';
import { dpopFeature } from './dpop.ts';
import { metadataCaching } from './metadata-caching.ts';
import { issuerOrigin } from '../http/issuer-origin.ts';
import { grantLoader } from './grants.ts';
import { keepOfflineAccess, offlineAccessParam } from './offline-access.ts';
import { applyConsentPolicy, requireAvailableAccount, requireRequestedAcr } from './interaction-policy.ts';
import { acrValues } from '../mfa/strength.ts';
import { renderLogoutSource, renderPostLogoutSuccess, renderProviderError } from './provider-pages.ts';
import { managementTokenClaims, resourceIndicators } from './resources.ts';
import { refuseUnsafeAuthorizationParams, refuseUnsafeQuery } from './unsafe-params.ts';
import { clientAuthThrottle } from './client-auth-throttle.ts';
import { backchannelLogoutEvents, outgoingFetch } from './backchannel-logout.ts';
import { sessionActivity } from './session-activity.ts';
import { accessUse } from './access-use.ts';
import { jsonRevocationResponse } from './revocation-response.ts';
import { canonicalRedirectParams } from './canonical-redirect-params.ts';
import { accessTokenLifetime } from '../apps/access-token-lifetime.ts';
import { lifetimeOf } from './client-lifetime.ts';
import { settleConsumes } from './consume-settling.ts';
import { introspectionPolicy } from './introspection-policy.ts';
import type { Throttle } from '../throttle/throttle.service.ts';
import { deviceFlowFeature } from './device-flow.ts';
import { userCodeThrottle } from './device-code-throttle.ts';
import { devicePolling } from './device-polling.ts';
import { deviceGrantErrors } from './device-grant-errors.ts';
import { refuseUngrantableAuthorization } from './ungrantable-request.ts';
import { holdUnapprovedApps, refuseUnapprovedDeviceApps } from './unapproved-app.ts';
import { safeFetch } from '../net/safe-fetch.ts';
import { clientIdMetadataDocument } from './client-id-metadata-document.ts';
import { CookieKeys } from './cookie-keys.ts';

/** Outgoing requests to URLs clients name: bodies past 64 kB (key sets included) and answers slower than oidc-provider's own 2.5 s fail. */
const fetchLimits = { maxBytes: 64 * 1024, timeoutMs: 2500 };

export interface ProviderDeps {
  config: Config;
  issuer: string;
  db: Db;
  directory: Directory;
  /** This node's copy of the tokens, grants and sessions userinfo and introspection read. */
  artifacts: ArtifactCache;
  keys: LoadedKeys;
  /** The secret every node shares; DPoP nonces are derived from it. */
  masterSecret: string;
  logger: Logger;
  throttle: Throttle;
}

/** Where each endpoint lives; discovery stays at the issuer's root well-known URLs. */
export const oidcRoutes = {
  authorization: '/oidc/auth',
  token: '/oidc/token',
  userinfo: '/oidc/me',
  jwks: '/oidc/jwks',
  end_session: '/oidc/session/end',
  revocation: '/oidc/token/revocation',
  introspection: '/oidc/token/introspection',
  code_verification: '/oidc/device',
  device_authorization: '/oidc/device/auth',
  pushed_authorization_request: '/oidc/request',
  registration: '/oidc/reg',
  backchannel_authentication: '/oidc/backchannel',
  challenge: '/oidc/challenge',
} as const;

/** An extra parameter no client sends, whose validator checks all of them (src/oidc/unsafe-params.ts). */
const checkedParams = 'sesame_checked_params';
/** Another such slot: the device authorization endpoint's check that the app is approved. */
const approvedAppParam = 'sesame_approved_app';
/** And the authorization endpoint's check that the request could grant anything at all. */
const grantableParam = 'sesame_grantable';

type ClientWithMetadata = { clientId: string; clientAuthMethod: string; [key: string]: unknown };

/** The endpoints where a client authenticates, whose secret guessing is throttled. */
const clientAuthEndpoints = [oidcRoutes.token, oidcRoutes.introspection, oidcRoutes.revocation, oidcRoutes.device_authorization];

/** Sesame's hooks into oidc-provider's storage: secret guessing throttled, device polls counted. */
interface ProviderHooks {
  clientAuth?: ReturnType<typeof clientAuthThrottle>;
  polling?: ReturnType<typeof devicePolling>;
}

/**
 * oidc-provider's `revokeGrantPolicy`: whether an app revoking a token (RFC 7009), replaying a refresh token or a
 * code, or a sign-out ending a session also destroys the token's Grant. It does (but for an access token revoked on
 * its own, as oidc-provider's default): a Grant is only a family of tokens, derived from the person's consent at
 * each authorization (src/oidc/grants.ts), and the consent itself is Sesame's record (src/consents/), which no app
 * can erase. The next sign-in derives a new grant, with no consent screen.
 */
function endTokenFamily(ctx: KoaContextWithOIDC): boolean {
  return !(ctx.oidc.route === 'revocation' && ctx.oidc.entities.AccessToken);
}

/** Leaves in a client's `scope` metadata only the scopes oidc-provider knows (src/oidc/claims.ts). */
function keepOpenIdScopes(metadata: Record<string, unknown>): void {
  if (typeof metadata.scope !== 'string') return;
  const known = metadata.scope.split(' ').filter((s) => (oidcScopes as readonly string[]).includes(s));
  if (known.length) metadata.scope = known.join(' ');
  else delete metadata.scope;
}

export function buildConfiguration(
  { config, db, directory, artifacts, keys, issuer, masterSecret }: ProviderDeps,
  { clientAuth, polling }: ProviderHooks = {},
): Configuration {
  return {
    adapter: adapterFactory(db, directory, {
      beforeClientLoad: clientAuth?.beforeClientLoad, deviceCodeFound: polling?.deviceCodeFound, registrations: clientRegistrations(db), artifacts,
    }),
    jwks: { keys: keys.jwks as NonNullable<Configuration['jwks']>['keys'] },
    cookies: {
      keys: new CookieKeys(keys.cookieKeys),
      long: { signed: true, httpOnly: true, sameSite: 'lax' },
      short: { signed: true, httpOnly: true, sameSite: 'lax' },
    },
    routes: oidcRoutes,
    scopes: [...oidcScopes],
    acrValues: [...acrValues],
    claims: claimsByScope as unknown as Configuration['claims'],
    responseTypes: ['code'],
    clientAuthMethods: ['none', 'client_secret_basic', 'client_secret_post'],
    pkce: {
      // DESIGN.md §3: required for public clients; a confidential client's PKCE is checked when it sends one.
      required: (_ctx, client) => client.clientAuthMethod === 'none',
    },
    enabledJWA: {
      idTokenSigningAlgValues: ['RS256', 'ES256'],
      userinfoSigningAlgValues: ['RS256', 'ES256'],
      introspectionSigningAlgValues: ['RS256', 'ES256'],
      authorizationSigningAlgValues: ['RS256', 'ES256'],
    },
    clientDefaults: {
      id_token_signed_response_alg: config.signingAlg,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    extraClientMetadata: {
      properties: [
        'sesame/type', 'sesame/third_party', 'sesame/management_access', 'sesame/cors_origins',
        'sesame/refresh_token_ttl_days', 'sesame/rotate_refresh_token', 'sesame/default_resource', 'sesame/access_token_ttl',
        'sesame/consent_policy', 'sesame/preapproved',
      ],
      // Sesame's own metadata comes from the applications table, never from a client registering itself.
      validator(ctx, key, value, metadata) {
        // Runs before oidc-provider checks the metadata: a registered `scope` may name API resource scopes (MCP
        // clients send their server's), which the engine knows not. Sesame takes an app's scopes from its allowlist,
        // so the engine keeps only the OpenID ones and ignores the rest.
        if (key === 'sesame/type') keepOpenIdScopes(metadata);
        const body = (ctx as KoaContextWithOIDC | undefined)?.oidc?.body as Record<string, unknown> | undefined;
        if (value !== undefined && body && key in body) throw new errors.InvalidClientMetadata(`${key} is set by the administrator, not registered`);
      },
    },
    clientBasedCORS(_ctx, origin, client) {
      const c = client as unknown as ClientWithMetadata & { redirectUris?: string[] };
      return allowedCorsOrigins(c.redirectUris ?? [], (c['sesame/cors_origins'] as string[] | undefined) ?? []).has(origin);
    },
    async findAccount(_ctx, sub) {
      const user = await directory.user(sub);
      if (!user || user.suspended) return undefined;
      return {
        accountId: user.id,
        // The roles claim costs a query, so it is read only when the granted scopes include `roles`.
        claims: async (_use, scope) => userClaims(user, scope.split(' ').includes('roles') ? await roleNamesOfUser(db, user.id) : []) as { sub: string },
      };
    },
    loadExistingGrant: grantLoader(db) as Configuration['loadExistingGrant'],
    revokeGrantPolicy: endTokenFamily,
    extraTokenClaims: managementTokenClaims(issuer),
    // The check of every parameter comes first (its name is only a slot: oidc-provider runs validators by name).
    extraParams: {
      [checkedParams]: refuseUnsafeAuthorizationParams as never,
      [offlineAccessParam]: keepOfflineAccess as never,
      [approvedAppParam]: refuseUnapprovedDeviceApps(directory) as never,
      [grantableParam]: refuseUngrantableAuthorization as never,
    },
    interactions: { policy: applyConsentPolicy(requireRequestedAcr(requireAvailableAccount(interactionPolicy.base()))), url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      revocation: {
        enabled: true,
        // RFC 7009 §2.2: a token the app may not revoke is answered like an unknown one (200, nothing revoked),
        // so the endpoint never tells another app whether a token exists.
        allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
      },
      introspection: { enabled: true, allowedPolicy: introspectionPolicy(directory) },
      clientCredentials: { enabled: true },
      dPoP: dpopFeature(config, masterSecret),
      resourceIndicators: resourceIndicators({ db, directory, config, issuer }),
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: renderLogoutSource,
        postLogoutSuccessSource: renderPostLogoutSuccess,
      },
      // Apps that register a backchannel_logout_uri are told when a session they are part of ends (src/logout/).
      backchannelLogout: { enabled: true },
      // RFC 8628 for apps an admin allowed it (src/apps/client-metadata.ts): pages in src/oidc/device-flow.ts.
      deviceFlow: deviceFlowFeature({ directory }),
      // An app may name itself by the https URL of its metadata document, as the admin's policy allows.
      clientIdMetadataDocument: clientIdMetadataDocument({ db, directory }, oidcRoutes.authorization) as never,
      // RFC 7591 and RFC 7592, under the admin's policy (src/oidc/registration-gate.ts, src/oidc/registered-clients.ts).
      // The initial access token is Sesame's (the policy turns it on at run time), not the engine's fixed option.
      registration: {
        enabled: true,
        initialAccessToken: false,
        idFactory: () => newClientId(),
        secretFactory: async () => generateClientSecret(),
        issueRegistrationAccessToken: true,
      },
      registrationManagement: { enabled: true, rotateRegistrationAccessToken: true },
    },
    fetch: outgoingFetch(issuer, safeFetch({ allowLoopback: config.allowLoopbackMetadata, maxBytes: fetchLimits.maxBytes, timeoutMs: fetchLimits.timeoutMs })),
    renderError: renderProviderError,
    rotateRefreshToken(ctx: KoaContextWithOIDC) {
      const client = ctx.oidc.client as unknown as ClientWithMetadata | undefined;
      // Public clients always rotate (OAuth 2.1 §4.3.1); a confidential app may opt out.
      return client?.clientAuthMethod === 'none' || client?.['sesame/rotate_refresh_token'] !== false;
    },
    ttl: {
      Session: config.ttl.session,
      Interaction: config.ttl.interaction,
      AuthorizationCode: config.ttl.code,
      // A resource's token carries the lifetime getResourceServerInfo worked out (src/oidc/resources.ts); a
      // userinfo token follows the app's (src/apps/access-token-lifetime.ts).
      AccessToken: (_ctx, token, client) => token.resourceServer?.accessTokenTTL ?? accessTokenLifetime(config.ttl, lifetimeOf(client)),
      ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? config.ttl.accessToken,
      DeviceCode: config.ttl.deviceCode,
      IdToken: config.ttl.idToken,
      Grant: config.ttl.grant,
      RefreshToken(ctx, token, client) {
        const rotated = ctx?.oidc?.entities.RotatedRefreshToken;
        // A browser app's refresh token cannot be bound to the app, so rotation never extends its life.
        if (rotated && client.applicationType === 'web' && client.clientAuthMethod === 'none' && !token.isSenderConstrained()) {
          return rotated.remainingTTL;
        }
        const days = (client as unknown as ClientWithMetadata)['sesame/refresh_token_ttl_days'];
        return typeof days === 'number' && days > 0 ? days * 86400 : config.ttl.refreshToken;
      },
    },
    // ID tokens carry only what the spec requires when an access token can fetch the rest at userinfo.
    conformIdTokenClaims: true,
  };
}

export function createProvider(deps: ProviderDeps): Provider {
  const clientAuth = clientAuthThrottle(deps.throttle, clientAuthEndpoints);
  const polling = devicePolling(deps.db, { interval: deps.config.devicePollInterval, deviceAuthorizationPath: oidcRoutes.device_authorization });
  const provider = new Provider(deps.issuer, buildConfiguration(deps, { clientAuth, polling }));
  provider.proxy = deps.config.trustProxy;
  issuerOrigin(deps.issuer).bind(provider);
  provider.use(refuseUnsafeQuery(oidcRoutes.authorization));
  provider.use(holdUnapprovedApps(deps.directory, oidcRoutes.authorization));
  provider.use(registrationGate(deps, { registration: oidcRoutes.registration, discovery: '/.well-known/openid-configuration' }));
  provider.use(shapeRegistrationResponses(oidcRoutes.registration, isUnmatchableSecret));
  provider.use(canonicalRedirectParams({ authorization: oidcRoutes.authorization, token: oidcRoutes.token, endSession: oidcRoutes.end_session }));
  provider.use(metadataCaching({ discovery: '/.well-known/openid-configuration', jwks: oidcRoutes.jwks }, deps.config.keyRefreshSeconds));
  // Provider is a Koa application: its ctx.ip, like clientIp, takes only the nearest proxy's X-Forwarded-For entry.
  (provider as unknown as { maxIpsCount: number }).maxIpsCount = 1;
  provider.use(clientAuth.recordFailures);
  provider.use(settleConsumes);
  provider.use(userCodeThrottle(deps.throttle, oidcRoutes.code_verification));
  provider.use(polling.announceInterval);
  provider.use(deviceGrantErrors({ deviceAuthorization: oidcRoutes.device_authorization, token: oidcRoutes.token }));
  provider.use(sessionActivity(deps.db, deps.logger));
  provider.use(accessUse(deps.db, deps.logger));
  provider.use(jsonRevocationResponse(oidcRoutes.revocation));
  provider.use(corsPreflightGuard(deps.directory, [oidcRoutes.token, oidcRoutes.userinfo, oidcRoutes.revocation, oidcRoutes.introspection]));
  const log = (event: string, level: 'error' | 'info') => (ctx: KoaContextWithOIDC | undefined, error: { name?: string; message?: string; error?: string; error_description?: string }) => {
    deps.logger[level]({
      event,
      error: error.error ?? error.name,
      description: error.error_description ?? (level === 'error' ? error.message : undefined),
      client: ctx?.oidc?.client?.clientId,
    }, 'oidc error');
  };
  provider.on('server_error', log('server_error', 'error'));
  provider.on('authorization.error', log('authorization.error', 'info'));
  provider.on('grant.error', log('grant.error', 'info'));
  provider.on('grant.error', clientAuth.onError);
  provider.on('introspection.error', clientAuth.onError);
  provider.on('revocation.error', clientAuth.onError);
  provider.on('device_authorization.error', clientAuth.onError);
  provider.on('device_authorization.error', log('device_authorization.error', 'info'));
  provider.on('end_session.error', log('end_session.error', 'info'));
  provider.on('introspection.error', log('introspection.error', 'info'));
  provider.on('revocation.error', log('revocation.error', 'info'));
  provider.on('userinfo.error', log('userinfo.error', 'info'));
  // When an app was last used: unused dynamic apps are removed (src/registration/dynamic-app-lifecycle.service.ts).
  const recordUse = appUseRecorder(deps.db, (error) => deps.logger.error({ err: error }, 'recording app use failed'));
  provider.on('grant.success', (ctx) => { if (ctx.oidc.client) recordUse(ctx.oidc.client.clientId); });
  provider.on('authorization.success', (ctx) => { if (ctx.oidc.client) recordUse(ctx.oidc.client.clientId); });
  backchannelLogoutEvents(provider, { db: deps.db, logger: deps.logger, retrySeconds: deps.config.logoutRetrySeconds });
  return provider;
}
