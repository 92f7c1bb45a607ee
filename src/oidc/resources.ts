import { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { builtInAppIds } from '../apps/built-in.ts';
import { accessTokenLifetime } from '../apps/access-token-lifetime.ts';
import { isThirdParty } from '../apps/third-party.ts';
import { lifetimeOf } from './client-lifetime.ts';
import type { Directory } from '../cache/directory.ts';
import type { Config } from '../config/config.ts';
import type { Db } from '../db/database.ts';
import { heldResourceScopes } from '../permissions/permission.repository.ts';
import { managementApiIndicator, managementGrantClaim, managementScope } from '../resources/management-api.ts';

/**
 * API resources (RFC 8707): what an access token may be for, and which of its scopes a client gets.
 * Access tokens for a resource are RFC 9068 JWTs whose audience is the resource indicator.
 */

/** oidc-provider's `extraTokenClaims`: the grant, on access tokens a person obtained for the Management API. */
export function managementTokenClaims(issuer: string): NonNullable<Configuration['extraTokenClaims']> {
  return async (_ctx, token) => {
    const { kind, grantId, resourceServer } = token as { kind: string; grantId?: string; resourceServer?: { audience?: string } };
    if (kind !== 'AccessToken' || !grantId || resourceServer?.audience !== managementApiIndicator(issuer)) return undefined;
    return { [managementGrantClaim]: grantId };
  };
}

export interface ApiResource {
  indicator: string;
  name: string;
  scopes: string[];
  /** Lifetime of its access tokens in seconds; the configured default when absent. */
  accessTokenTtl?: number;
  /** `opaque` tokens are checked at introspection, so revoking the grant stops them at once. */
  accessTokenFormat: 'jwt' | 'opaque';
  builtIn: boolean;
}

export interface ResourceDeps {
  db: Db;
  directory: Directory;
  config: Config;
  issuer: string;
}

/**
 * Looks an indicator up. The one place that knows which resources exist: the built-in Management API and the
 * API resources registered by the admin.
 */
export async function findApiResource({ directory, issuer }: ResourceDeps, indicator: string): Promise<ApiResource | undefined> {
  if (indicator === managementApiIndicator(issuer)) {
    return { indicator, name: 'Sesame Management API', scopes: [managementScope], accessTokenFormat: 'jwt', builtIn: true };
  }
  const registered = await directory.resource(indicator);
  if (!registered) return undefined;
  return {
    indicator,
    name: registered.name,
    scopes: registered.scopes.map((s) => s.name),
    accessTokenTtl: registered.access_token_ttl ?? undefined,
    accessTokenFormat: registered.access_token_format,
    builtIn: false,
  };
}

/** Client metadata Sesame adds to every client (see clientMetadata in src/apps/client-metadata.ts). */
interface SesameClient {
  clientId: string;
  'sesame/type'?: string;
  'sesame/management_access'?: boolean;
  'sesame/default_resource'?: string;
}

/**
 * The resource a request that names none is for (issue 14: some AI agents send no `resource`): the app's default
 * resource, else SESAME_DEFAULT_RESOURCE for apps that sign people in other than Sesame's own (an m2m app's
 * client credentials keep their meaning unless its admin chose a default), while it is a registered resource.
 */
async function defaultIndicator(deps: ResourceDeps, client: SesameClient | undefined): Promise<string | undefined> {
  if (!client) return undefined;
  const global = builtInAppIds.includes(client.clientId) || client['sesame/type'] === 'm2m' ? undefined : deps.config.defaultResource;
  const indicator = client['sesame/default_resource'] ?? global;
  if (!indicator || indicator === managementApiIndicator(deps.issuer)) return undefined;
  return (await deps.directory.resource(indicator)) ? indicator : undefined;
}

/** The user a request acts for, when there is one: the grant's, else the session's. */
function accountIdOf(ctx: KoaContextWithOIDC): string | undefined {
  const { oidc } = ctx;
  return oidc.account?.accountId ?? oidc.entities.Grant?.accountId ?? oidc.entities.Session?.accountId ?? undefined;
}

/**
 * Which scopes of `resource` a client may receive. For the Management API: a first-party app an admin granted
 * management access gets `management` — an m2m app for itself (client credentials), an interactive app (the
 * console) only for a signed-in admin. Before sign-in the user is unknown, so the scope is offered and the
 * decision is made again when the token is issued. Third-party apps and non-admins never get it.
 */
async function managementScopes(deps: ResourceDeps, ctx: KoaContextWithOIDC, resource: ApiResource, client: SesameClient): Promise<string[]> {
  if (isThirdParty(client) || client['sesame/management_access'] !== true) return [];
  // Metadata can come from elsewhere than the applications table (a client ID metadata document): the row decides.
  const app = await deps.directory.application(client.clientId);
  if (!app?.management_access || app.origin !== 'admin' || isThirdParty(app)) return [];
  if (client['sesame/type'] === 'm2m') return ctx.oidc.params?.grant_type === 'client_credentials' ? [managementScope] : [];
  const accountId = accountIdOf(ctx);
  if (!accountId) return ctx.oidc.route === 'authorization' || ctx.oidc.route === 'resume' ? [managementScope] : [];
  const user = await deps.directory.user(accountId);
  return user?.is_admin && !user.suspended ? [managementScope] : [];
}

/**
 * Which scopes of a registered resource a client may receive (DESIGN.md §4): a third-party or m2m app only those
 * on its allowlist; a user — through any app, first- or third-party — only those a role gives them. Before
 * sign-in the user is unknown, so the app's share is offered and narrowed when the user is known.
 */
async function registeredScopes(deps: ResourceDeps, ctx: KoaContextWithOIDC, resource: ApiResource, client: SesameClient): Promise<string[]> {
  // The client was read from the applications table in this very request (ApplicationClientAdapter), and its
  // type and third-party flag are in its metadata: no need to read the row again.
  const type = client['sesame/type'];
  const thirdParty = isThirdParty(client);
  if (!type) return [];
  let scopes = resource.scopes;
  if (thirdParty || type === 'm2m') {
    const allowed = new Set((await deps.directory.resourceScopes(client.clientId))
      .filter((s) => s.indicator === resource.indicator).map((s) => s.scope));
    scopes = scopes.filter((s) => allowed.has(s));
  }
  if (type === 'm2m') return ctx.oidc.params?.grant_type === 'client_credentials' ? scopes : [];
  const accountId = accountIdOf(ctx);
  if (!accountId) return ctx.oidc.route === 'authorization' || ctx.oidc.route === 'resume' ? scopes : [];
  const held = new Set((await heldResourceScopes(deps.db, accountId, resource.indicator)).map((s) => s.scope));
  return scopes.filter((s) => held.has(s));
}

function grantableScopes(deps: ResourceDeps, ctx: KoaContextWithOIDC, resource: ApiResource, client: SesameClient): Promise<string[]> {
  return resource.builtIn ? managementScopes(deps, ctx, resource, client) : registeredScopes(deps, ctx, resource, client);
}

/**
 * Client credentials get the scopes asked for that the app may have, and the response names them when they are
 * fewer (RFC 6749 §3.3, §5.1). When none of them is grantable the token would carry no scope, which a response
 * cannot name, and which a client would read as all it asked for: the request is refused instead.
 */
function assertSomeScopeGranted(ctx: KoaContextWithOIDC, resource: ApiResource, grantable: string[]): void {
  if (ctx.oidc.params?.grant_type !== 'client_credentials') return;
  const asked = String(ctx.oidc.params.scope ?? '').split(' ').filter(Boolean);
  if (!asked.length || asked.some((scope) => grantable.includes(scope))) return;
  throw new errors.InvalidScope(`none of the requested scopes is granted to this app for ${resource.indicator}`, asked.join(' '));
}

/**
 * A client that never names a resource gets its default resource's token from the code and refresh token, when the
 * authorization was for that resource (defaulted, or named) and the grant holds some of its scopes. With no such
 * scope the token is the usual one for userinfo, so a default resource changes nothing for apps that ask none.
 */
async function usesDefaultResource(deps: ResourceDeps, ctx: KoaContextWithOIDC, model: { resource?: string | string[] }): Promise<boolean> {
  const granted = [model.resource ?? []].flat();
  const indicator = await defaultIndicator(deps, ctx.oidc.client as unknown as SesameClient | undefined);
  if (!indicator || granted.length !== 1 || granted[0] !== indicator) return false;
  return Boolean(ctx.oidc.entities.Grant?.getResourceScope(indicator));
}

/** Tells the operator at start when SESAME_DEFAULT_RESOURCE names no registered resource: it then serves no one. */
export async function checkGlobalDefaultResource(deps: ResourceDeps, warn: (message: string) => void): Promise<void> {
  const indicator = deps.config.defaultResource;
  if (indicator && !(await deps.directory.resource(indicator))) {
    warn(`SESAME_DEFAULT_RESOURCE ${indicator} is no registered API resource: it is ignored until one with that indicator is created`);
  }
}

/** oidc-provider's `features.resourceIndicators`, backed by the resources above. */
export function resourceIndicators(deps: ResourceDeps): NonNullable<NonNullable<Configuration['features']>['resourceIndicators']> {
  return {
    enabled: true,
    /**
     * Client credentials asking for `management` without a resource mean the Management API; any other request
     * that names no resource is for the app's default resource, if any (defaultIndicator).
     */
    async defaultResource(ctx, client, oneOf) {
      if (Array.isArray(oneOf) && oneOf.length === 1) return oneOf[0]!;
      if (oneOf) return oneOf;
      const scopes = String(ctx.oidc.params?.scope ?? '').split(' ');
      if (ctx.oidc.params?.grant_type === 'client_credentials' && scopes.includes(managementScope)) {
        return managementApiIndicator(deps.issuer);
      }
      return (await defaultIndicator(deps, client as unknown as SesameClient)) as string;
    },
    /**
     * Which token a code or refresh token gives when the token request names no `resource` (issue 12 §2). With
     * `openid` granted: one for the userinfo endpoint, what every OpenID Connect library expects of the code
     * (openid-client's fetchUserInfo, oidc-client-ts's loadUserInfo); the API's token comes from a token request that
     * names the resource (RFC 8707 §2.2), the code's or any refresh. Without `openid`: the one resource granted.
     * That is oidc-provider's own rule once this says false, and Logto's; a JWT for an API cannot be read at userinfo.
     * The exception: an app with a default resource (usesDefaultResource), whose clients may never name one.
     */
    useGrantedResource: async (ctx, model) => usesDefaultResource(deps, ctx, model as { resource?: string | string[] }),
    async getResourceServerInfo(ctx, indicator, client) {
      const resource = await findApiResource(deps, indicator);
      if (!resource) throw new errors.InvalidTarget(`unknown resource indicator ${indicator}`);
      const scopes = await grantableScopes(deps, ctx, resource, client as unknown as SesameClient);
      assertSomeScopeGranted(ctx, resource, scopes);
      return {
        scope: scopes.join(' '),
        audience: resource.indicator,
        accessTokenFormat: resource.accessTokenFormat,
        // The shorter of the app's and the resource's: how long revoking the app may take to stop a JWT.
        accessTokenTTL: accessTokenLifetime(deps.config.ttl, lifetimeOf(client), resource.accessTokenTtl),
        ...(resource.accessTokenFormat === 'jwt' ? { jwt: { sign: { alg: deps.config.signingAlg } } } : {}),
      };
    },
  };
}
