import type { RequestListener } from 'node:http';
import Koa from 'koa';
import Router from '@koa/router';
import { sql } from 'kysely';
import type { Directory } from './cache/directory.ts';
import type { Db } from './db/database.ts';
import type { CsrfTokens } from './interaction/csrf.ts';
import { interactionRoutes } from './interaction/interaction.routes.ts';
import { secondFactorRoutes } from './interaction/second-factor.routes.ts';
import { setUpSecondFactorRoutes } from './interaction/set-up-second-factor.routes.ts';
import { createSignInSteps } from './interaction/sign-in-steps.ts';
import { createMfaSecrets } from './mfa/mfa-secrets.ts';
import { relyingPartyOf } from './passkeys/relying-party.ts';
import { managementRoutes } from './management/management.routes.ts';
import { accountRoutes } from './account/account.routes.ts';
import { createSignedValues } from './secrets/signed-cookie.ts';
import type { Logger } from './logger.ts';
import type { ProviderHolder } from './oidc/provider-holder.ts';
import { oidcRoutes } from './oidc/provider.ts';
import { authorizationPost } from './oidc/authorization-post.ts';
import { securityHeaders } from './http/security-headers.ts';
import { issuerOrigin } from './http/issuer-origin.ts';
import { pickLocale, translator } from './i18n/locale.ts';
import { messagePage } from './pages/message.page.ts';
import { faviconCacheControl, faviconSvg } from './pages/favicon.ts';
import { pageScriptCacheControl, pageScriptsByPath } from './pages/page-scripts.ts';
import { pageContentSecurityPolicyFor } from './pages/layout.ts';
import { consoleRoutes } from './console/console.routes.ts';
import { loadSignInExperience, signInExperienceOf } from './sign-in-experience/sign-in-experience.middleware.ts';
import { cachedSignInExperience, type SignInExperienceSource } from './sign-in-experience/sign-in-experience.service.ts';
import type { DeviceCookies } from './throttle/device-cookie.ts';
import type { Throttle } from './throttle/throttle.service.ts';
import type { RecoveryDeps } from './recovery/recovery-deps.ts';
import { recoveryInteractionRoutes } from './interaction/recovery.routes.ts';
import { credentialsRoutes } from './account/credentials.routes.ts';
import { emailLinkRoutes } from './account/email-link.routes.ts';

import type { AccessTokenDefaults } from './apps/access-token-lifetime.ts';

export interface AppDeps {
  db: Db;
  /** This node's cache of apps, resources and users, kept in step with the database. */
  directory: Directory;
  providers: ProviderHolder;
  csrf: CsrfTokens;
  logger: Logger;
  issuer: string;
  /** Where this node reaches its own endpoints (loopback). */
  internalUrl: string;
  masterSecret: string;
  /** The admin console's static build (console/dist). */
  consoleDir?: string;
  /** This node's cached sign-in experience; created from `db` when absent. */
  signInExperience?: SignInExperienceSource;
  throttle: Throttle;
  devices: DeviceCookies;
  /** SESAME_RECENT_SIGN_IN_SECONDS: how recent a sign-in /account asks for before changes to second factors. */
  recentSignInSeconds: number;
  /** SESAME_GRANT_TTL: how long a person's consent is remembered. */
  consentTtlSeconds: number;
  /** SESAME_CONSENT_DURATIONS (src/interaction/consent-duration.ts). */
  consentDurations: boolean;
  /** SESAME_TRUST_PROXY: the client IP is the one the proxy appended to X-Forwarded-For (src/http/client-ip.ts). */
  trustProxy: boolean;
  /** Email, and what is proved through it (src/email/, src/recovery/). */
  recovery: RecoveryDeps;
  /** The address Sesame's email comes from. */
  emailFrom: string;
  /** SESAME_ACCESS_TOKEN_TTL and SESAME_THIRD_PARTY_ACCESS_TOKEN_TTL: how soon revoking an app bites. */
  accessTokenDefaults: AccessTokenDefaults;
}

function operationsRoutes({ db, providers }: AppDeps): Router {
  const router = new Router();
  router.get(['/favicon.ico', '/favicon.svg'], function serveFavicon(ctx) {
    ctx.type = 'image/svg+xml';
    ctx.set('Cache-Control', faviconCacheControl);
    ctx.body = faviconSvg;
  });
  router.get('/assets/:name', function servePageScript(ctx) {
    const script = pageScriptsByPath.get(ctx.path);
    if (!script) return;
    ctx.type = 'text/javascript';
    ctx.set('Cache-Control', pageScriptCacheControl);
    ctx.body = script.body;
  });
  router.get('/healthz', (ctx) => { ctx.body = { status: 'ok' }; });
  router.get('/readyz', async function checkReady(ctx) {
    try {
      await sql`SELECT 1`.execute(db);
      ctx.body = { status: 'ready' };
    } catch {
      ctx.status = 503;
      ctx.body = { status: 'unavailable', reason: 'database unreachable' };
    }
  });
  // RFC 8414 metadata is the same document as OIDC discovery.
  router.get('/.well-known/oauth-authorization-server', async function serveAuthServerMetadata(ctx) {
    ctx.req.url = '/.well-known/openid-configuration';
    ctx.respond = false;
    providers.callback(ctx.req, ctx.res);
  });
  return router;
}

/** A person never sees a stack trace: unexpected errors become a plain page or JSON, and are logged. */
function errorBoundary(logger: Logger): Koa.Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      const status = (error as { status?: number; expose?: boolean }).expose ? (error as { status: number }).status : 500;
      // Errors meant for the client (a 413 from the body parser, say) are the client's problem, not a bug.
      if (status === 500) logger.error({ err: error, path: ctx.path }, 'unhandled error');
      ctx.status = status;
      if (ctx.accepts('html', 'json') === 'html') {
        const brand = signInExperienceOf(ctx);
        const locale = pickLocale(undefined, ctx.get('accept-language'), brand.defaultLanguage);
        const t = translator(locale);
        ctx.type = 'html';
        ctx.set('Content-Security-Policy', pageContentSecurityPolicyFor(brand));
        ctx.body = messagePage({ t, locale, brand, title: t('error.title'), text: status === 500 ? t('error.generic') : t('error.badRequest') });
      } else {
        ctx.body = { error: status === 500 ? 'server_error' : 'invalid_request' };
      }
    }
  };
}

/** Pages people see (sign-in, account, console, and oidc-provider's own) wear the sign-in experience. */
function brandedPages(source: SignInExperienceSource, logger: Logger): Koa.Middleware {
  const load = loadSignInExperience(source, logger);
  const branded = /^\/(interaction|account|console|oidc)(\/|$)/;
  return (ctx, next) => (branded.test(ctx.path) ? load(ctx, next) : next());
}

/**
 * oidc-provider's endpoints that answer machines in JSON and never render a page: nothing of Sesame's own stack
 * (routers, error page, sign-in experience) applies to them, so they go straight to the provider.
 */
function machineEndpoints(): Set<string> {
  return new Set([
    oidcRoutes.token, oidcRoutes.introspection, oidcRoutes.revocation, oidcRoutes.userinfo, oidcRoutes.jwks,
    '/.well-known/openid-configuration',
  ]);
}

/**
 * The node's request handler: every request first made one to the issuer's origin (whatever its Host says), then
 * machine endpoints straight to oidc-provider, the rest through `app`.
 */
export function requestHandler(app: Koa, providers: ProviderHolder, issuer: string): RequestListener {
  const direct = machineEndpoints();
  const handleApp = app.callback();
  const origin = issuerOrigin(issuer);
  const headers = securityHeaders(issuer);
  return (req, res) => {
    origin.rewrite(req);
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    if (!direct.has(query === -1 ? url : url.slice(0, query))) return handleApp(req, res);
    headers.set(res);
    providers.callback(req, res);
  };
}

/** Sesame's own routes first; everything else is oidc-provider's (which answers unknown paths itself). */
export function createApp(appDeps: AppDeps): Koa {
  const deps = { ...appDeps, signInExperience: appDeps.signInExperience ?? cachedSignInExperience(appDeps.db, 5_000) };
  const app = new Koa();
  app.silent = true;
  issuerOrigin(deps.issuer).bind(app);
  // What requestOrigin and clientIp read: whether X-Forwarded-* come from a proxy Sesame trusts.
  app.proxy = deps.trustProxy;
  app.maxIpsCount = 1;
  const interaction = {
    db: deps.db, directory: deps.directory, provider: () => deps.providers.provider, csrf: deps.csrf, throttle: deps.throttle, devices: deps.devices,
    recovery: deps.recovery,
    consentTtlSeconds: deps.consentTtlSeconds,
    consentDurations: deps.consentDurations,
    mfaSecrets: createMfaSecrets(deps.masterSecret),
    relyingParty: relyingPartyOf(deps.issuer, 'Sesame'),
    steps: createSignInSteps(deps.masterSecret, { secure: deps.issuer.startsWith('https:') }),
  };
  const routers = [
    operationsRoutes(deps), interactionRoutes(interaction), recoveryInteractionRoutes(interaction),
    secondFactorRoutes(interaction), setUpSecondFactorRoutes(interaction),
  ];
  routers.push(managementRoutes(deps));
  if (deps.consoleDir) routers.push(consoleRoutes({ ...deps, consoleDir: deps.consoleDir }));
  const cookies = createSignedValues(deps.masterSecret, 'sesame/account-cookie/v1');
  const provider = () => deps.providers.provider;
  routers.push(accountRoutes({
    ...deps, cookies, provider, canEmail: deps.recovery.mailer.available, mfaSecrets: interaction.mfaSecrets, relyingParty: interaction.relyingParty,
  }));
  routers.push(credentialsRoutes({ ...deps, cookies, provider, mfaSecrets: interaction.mfaSecrets, relyingParty: interaction.relyingParty }));
  routers.push(emailLinkRoutes({ ...deps, provider }));
  app.use(securityHeaders(deps.issuer).middleware);
  app.use(errorBoundary(deps.logger));
  app.use(brandedPages(deps.signInExperience, deps.logger));
  app.use(authorizationPost());
  for (const router of routers) app.use(router.routes()).use(router.allowedMethods());
  app.use(async function delegateToProvider(ctx) {
    ctx.respond = false;
    deps.providers.callback(ctx.req, ctx.res);
  });
  return app;
}
