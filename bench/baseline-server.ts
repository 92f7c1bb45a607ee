/**
 * The benchmark's baseline: bare oidc-provider (the version Sesame installs) with an unbounded in-memory store
 * (bench/map-adapter.ts; the engine's own MemoryAdapter is a 1,000-entry LRU that evicts under load), the same
 * routes, signing algorithm (RS256), clients and API resource as the Sesame under test, and an interaction that
 * finishes login and consent at once for a fixed account. What Sesame costs on top of the engine is the difference.
 * With `BASELINE_DATABASE_URL` set, the store is PostgreSQL instead (bench/postgres-adapter.ts): the engine's own
 * cost of keeping its artifacts there.
 *
 *   [BASELINE_DATABASE_URL=postgres://…] node bench/baseline-server.ts <fixtures.json> <port>
 */
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { claimsByScope } from '../src/oidc/claims.ts';
import type { Fixtures } from './fixtures.ts';
import { MapAdapter } from './map-adapter.ts';
import { connectBaselineStore, PostgresBaselineAdapter } from './postgres-adapter.ts';

const [fixturesPath, portArg] = process.argv.slice(2);
const fixtures = JSON.parse(readFileSync(fixturesPath!, 'utf8')) as Fixtures;
const port = Number(portArg);
const issuer = `http://127.0.0.1:${port}`;
const databaseUrl = process.env.BASELINE_DATABASE_URL;
if (databaseUrl) await connectBaselineStore(databaseUrl);

// Sesame publishes an RS256 and an ES256 key and signs with RS256; so does the baseline.
async function signingKeys() {
  const rsa = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
  const ec = await generateKeyPair('ES256', { extractable: true });
  return [
    { ...(await exportJWK(rsa.privateKey)), kid: 'rs256', alg: 'RS256', use: 'sig' },
    { ...(await exportJWK(ec.privateKey)), kid: 'es256', alg: 'ES256', use: 'sig' },
  ];
}

const account = { accountId: fixtures.user.id, claims: { sub: fixtures.user.id, name: 'Bench User', email: `${fixtures.user.login}@example.com`, email_verified: false } };

const configuration: Configuration = {
  adapter: databaseUrl ? PostgresBaselineAdapter : MapAdapter,
  jwks: { keys: await signingKeys() } as Configuration['jwks'],
  cookies: { keys: ['baseline cookie key, fixed for the run'] },
  routes: {
    authorization: '/oidc/auth',
    token: '/oidc/token',
    userinfo: '/oidc/me',
    jwks: '/oidc/jwks',
    end_session: '/oidc/session/end',
    revocation: '/oidc/token/revocation',
    introspection: '/oidc/token/introspection',
  },
  scopes: ['openid', 'offline_access', 'profile', 'email', 'phone', 'address', 'roles'],
  claims: claimsByScope as unknown as Configuration['claims'],
  responseTypes: ['code'],
  clientAuthMethods: ['none', 'client_secret_basic', 'client_secret_post'],
  clientDefaults: { id_token_signed_response_alg: 'RS256', grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic' },
  clients: [
    {
      client_id: fixtures.web.clientId,
      client_secret: fixtures.web.clientSecret,
      redirect_uris: [fixtures.web.redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    {
      client_id: fixtures.m2m.clientId,
      client_secret: fixtures.m2m.clientSecret,
      redirect_uris: [],
      grant_types: ['client_credentials'],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  findAccount: async (_ctx, sub) => (sub === account.accountId ? { accountId: sub, claims: async () => account.claims } : undefined),
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  features: {
    devInteractions: { enabled: false },
    revocation: { enabled: true },
    introspection: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: async (_ctx, _client, oneOf) => oneOf as unknown as string,
      useGrantedResource: async () => true,
      async getResourceServerInfo(_ctx, indicator) {
        if (indicator !== fixtures.resource.indicator) throw new Error(`unknown resource ${indicator}`);
        return { scope: fixtures.resource.scope, audience: indicator, accessTokenFormat: 'jwt', accessTokenTTL: 3600, jwt: { sign: { alg: 'RS256' } } };
      },
    },
  },
  // Sesame rotates the refresh tokens of its confidential apps by default.
  rotateRefreshToken: true,
  ttl: { Session: 14 * 86400, Interaction: 3600, AuthorizationCode: 60, AccessToken: 3600, ClientCredentials: 3600, IdToken: 3600, Grant: 180 * 86400, RefreshToken: 14 * 86400 },
  conformIdTokenClaims: true,
};

const provider = new Provider(issuer, configuration);

/** Login and consent in one step for the fixed account: whatever the request asks for is granted. */
async function finishInteraction(ctx: KoaContextWithOIDC) {
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  const clientId = String(details.params.client_id);
  const grant = (details.grantId && await provider.Grant.find(details.grantId)) || new provider.Grant({ accountId: account.accountId, clientId });
  grant.addOIDCScope(String(details.params.scope ?? 'openid'));
  const missing = details.prompt.details as { missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
  const grantId = await grant.save();
  const location = await provider.interactionResult(ctx.req, ctx.res, { login: { accountId: account.accountId }, consent: { grantId } }, { mergeWithLastSubmission: false });
  ctx.status = 303;
  ctx.redirect(location);
}

provider.use(async (ctx, next) => {
  if (ctx.method === 'GET' && /^\/interaction\/[^/]+$/.test(ctx.path)) return finishInteraction(ctx as unknown as KoaContextWithOIDC);
  return next();
});

const server = http.createServer(provider.callback());
server.listen(port, '127.0.0.1', () => console.log(`baseline oidc-provider listening at ${issuer}`));
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
