import { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { clientMetadata } from '../apps/client-metadata.ts';
import { canonicalUris, redirectUriProblem, type UriKind } from '../apps/redirect-uri.ts';
import type { Directory } from '../cache/directory.ts';
import type { Db } from '../db/database.ts';
import type { Application } from '../db/tables.ts';
import { clientIp } from '../http/client-ip.ts';
import { admitCimdApp } from '../registration/dynamic-app.service.ts';
import { decideNewDynamicApp, registrationPolicy } from '../registration/registration-policy.service.ts';
import { noteLoadedApp } from './unapproved-app.ts';

type Client = Parameters<NonNullable<NonNullable<NonNullable<Configuration['features']>['clientIdMetadataDocument']>['allowClient']>>[1];

/** What a metadata document says about its client, in RFC 7591 names, as oidc-provider read it. */
export interface DocumentMetadata {
  client_id: string;
  client_name?: string;
  application_type: 'web' | 'native';
  token_endpoint_auth_method: string;
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  logo_uri?: string;
  tos_uri?: string;
  policy_uri?: string;
  software_id?: string;
  [key: string]: unknown;
}

/**
 * Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document, oidc-provider's experimental
 * `features.clientIdMetadataDocument`): a client whose `client_id` is an https URL is described by the JSON
 * document at that URL. oidc-provider fetches it through the SSRF-safe fetch (src/net/safe-fetch.ts), checks that
 * the document names itself and carries no secret, and keeps it per process for as long as its HTTP caching headers
 * say (30 s to a day). Sesame adds its own rules and keeps what is durable, the app's status and permissions, in
 * the database, read on every use: an admin's decision holds at once on every node.
 */
export function clientIdMetadataDocument({ db, directory }: { db: Db; directory: Directory }, authorizationPath: string) {
  return {
    enabled: true,
    ack: 'draft-02',
    async allowFetch(_ctx: KoaContextWithOIDC, clientId: string) {
      await assertPolicyAllows(db, clientId);
      return true;
    },
    async allowClient(ctx: KoaContextWithOIDC, client: Client) {
      // Also for a document oidc-provider kept: the admin may have turned CIMD off or narrowed the allowlist since.
      await assertPolicyAllows(db, client.clientId);
      const metadata = documentMetadata(client);
      const problem = documentProblem(metadata, client);
      if (problem) throw new errors.InvalidClientMetadata(problem);
      const admission = await admitCimdApp(db, {
        clientId: client.clientId, metadata, ip: clientIp(ctx.req, ctx.app.proxy), userAgent: ctx.get('user-agent') || null,
        // The engine keeps only OpenID scopes of a document's `scope`: what the first request asks narrows the defaults.
        requestedScope: ctx.query.scope,
      });
      if (!admission.admitted) throw new errors.InvalidClient(admission.detail);
      const app = admission.application;
      noteLoadedApp(ctx, app);
      // A pending app reaches the authorization endpoint only to show the person it waits for an admin
      // (src/oidc/unapproved-app.ts, which shows a denied app's person a page too); it gets no token anywhere.
      if (app.status === 'denied' || (app.status === 'pending' && ctx.path !== authorizationPath)) {
        throw new errors.InvalidClient(app.status === 'denied' ? 'an administrator refused this app' : 'this app waits for an administrator\'s approval');
      }
      applySesameSettings(client, app, await directory.userScopes(app.id));
      return true;
    },
    cacheDuration: { min: 30, max: 86400 },
  };
}

/** Refuses a metadata document URL the admin's policy does not let in: CIMD off, or a host off the allowlist. */
async function assertPolicyAllows(db: Db, clientId: string): Promise<void> {
  const policy = await registrationPolicy(db);
  if (policy.cimd === 'off') {
    throw new errors.InvalidClient('client ID metadata documents are turned off on this server; an administrator turns them on with `registration set --cimd approval` or `--cimd open`');
  }
  const decision = decideNewDynamicApp(policy, 'cimd', [URL.parse(clientId)?.hostname]);
  if (!decision.admitted) throw new errors.InvalidClient(decision.detail);
}

function documentMetadata(client: Client): DocumentMetadata {
  const metadata = client.metadata() as Record<string, unknown>;
  return {
    ...metadata,
    client_id: client.clientId,
    application_type: client.applicationType === 'native' ? 'native' : 'web',
    token_endpoint_auth_method: client.clientAuthMethod,
    redirect_uris: [...(client.redirectUris ?? [])],
    post_logout_redirect_uris: [...(client.postLogoutRedirectUris ?? [])],
  } as DocumentMetadata;
}

/**
 * Sesame's rules for a document, beyond oidc-provider's: a public client (it authenticates with PKCE S256, which
 * Sesame requires of every public client); redirect URIs under the same rules as an admin's apps; nothing of
 * Sesame's own settings, which only an admin sets.
 */
export function documentProblem(metadata: DocumentMetadata, client: Client): string | undefined {
  const own = Object.keys(client.metadata()).find((key) => key.startsWith('sesame/'));
  if (own) return `${own} is a setting of Sesame's, which a client ID metadata document cannot set`;
  // Keys (private_key_jwt) are not among Sesame's client authentication methods yet; secrets never are here.
  if (metadata.token_endpoint_auth_method !== 'none') {
    return 'a client ID metadata document must describe a public client: token_endpoint_auth_method "none" (with PKCE S256)';
  }
  const type = metadata.application_type === 'native' ? 'native' : 'spa';
  const uris: [string, UriKind][] = [
    ...metadata.redirect_uris.map((uri): [string, UriKind] => [uri, 'redirect']),
    ...metadata.post_logout_redirect_uris.map((uri): [string, UriKind] => [uri, 'post-logout redirect']),
  ];
  for (const [uri, kind] of uris) {
    const problem = redirectUriProblem(uri, type, kind);
    if (problem) return problem;
  }
  return undefined;
}

/**
 * The client as Sesame treats it: third-party, never with management access, asking only for what the admin
 * allowed, with the redirect URIs in the form requests are compared in. The client object is built afresh from the
 * document for each request, so this changes nothing another request sees.
 */
function applySesameSettings(client: Client, app: Application, userScopes: readonly string[]): void {
  const settings = clientMetadata({ ...app, third_party: true, management_access: false, cors_origins: [] }, undefined, userScopes);
  const target = client as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(settings)) if (key.startsWith('sesame/')) target[key] = value;
  target.scope = settings.scope;
  target.redirectUris = canonicalUris(client.redirectUris ?? []);
  target.postLogoutRedirectUris = canonicalUris(client.postLogoutRedirectUris ?? []);
}
