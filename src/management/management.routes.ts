import { createHash } from 'node:crypto';
import Router from '@koa/router';
import type { Middleware } from 'koa';
import { bodyParser } from '@koa/bodyparser';
import type { Db } from '../db/database.ts';
import { apiDocsPage } from '../http/api-docs.page.ts';
import type { Directory } from '../cache/directory.ts';
import { requireManagementToken } from '../http/bearer-auth.ts';
import { openApiDocument } from '../http/openapi.ts';
import { problemBoundary, ProblemError } from '../http/problem.ts';
import { defineRoute, mountRoutes, type Route } from '../http/route.ts';
import type { Logger } from '../logger.ts';
import type { ProviderHolder } from '../oidc/provider-holder.ts';
import type { SignInExperienceSource } from '../sign-in-experience/sign-in-experience.service.ts';
import { applicationRoutes } from './applications/application.routes.ts';
import { auditRoutes } from './audit/audit.routes.ts';
import { emailRoutes } from './emails/email.routes.ts';
import type { RecoveryDeps } from '../recovery/recovery-deps.ts';
import { consentRoutes } from './consents/consent.routes.ts';
import { grantRoutes } from './grants/grant.routes.ts';
import { lockoutRoutes } from './lockouts/lockout.routes.ts';
import type { Throttle } from '../throttle/throttle.service.ts';
import { permissionRoutes } from './permissions/permission.routes.ts';
import { resourceRoutes } from './resources/resource.routes.ts';
import { roleRoutes } from './roles/role.routes.ts';
import { signInExperienceRoutes } from './sign-in-experience/sign-in-experience.routes.ts';
import { userRoutes } from './users/user.routes.ts';
import { userFactorRoutes } from './users/user-factors.routes.ts';
import { sessionRoutes } from './sessions/session.routes.ts';
import { registrationRoutes } from './registration/registration.routes.ts';

import type { AccessTokenDefaults } from '../apps/access-token-lifetime.ts';

export interface ManagementDeps {
  db: Db;
  directory: Directory;
  providers: ProviderHolder;
  logger: Logger;
  /** This node's cached sign-in experience, refreshed at once when the API changes it. */
  signInExperience?: SignInExperienceSource;
  throttle: Throttle;
  /** Email and what is proved through it (src/email/, src/recovery/). */
  recovery: RecoveryDeps;
  /** The address Sesame's email comes from. */
  emailFrom: string;
  /** Access token lifetimes by default, which say how soon revoking an app bites (src/grants/revocation-bound.ts). */
  accessTokenDefaults: AccessTokenDefaults;
}

/** Every Management API operation, by domain; the OpenAPI document lists exactly these. */
export function managementOperations(deps: ManagementDeps): Route[] {
  const issuer = () => deps.providers.provider.issuer;
  return [
    ...applicationRoutes({ db: deps.db, issuer, idTokenSigningAlg: () => deps.providers.idTokenSigningAlg }),
    ...permissionRoutes({ db: deps.db, issuer }),
    ...userRoutes({ db: deps.db }),
    ...userFactorRoutes({ db: deps.db }),
    ...grantRoutes({ db: deps.db, accessTokenDefaults: deps.accessTokenDefaults }),
    ...consentRoutes({ db: deps.db }),
    ...sessionRoutes({ db: deps.db }),
    ...resourceRoutes({ db: deps.db, issuer }),
    ...roleRoutes({ db: deps.db }),
    ...auditRoutes({ db: deps.db }),
    ...lockoutRoutes({ db: deps.db, throttle: deps.throttle }),
    ...signInExperienceRoutes({ db: deps.db, signInExperience: deps.signInExperience, canSendEmail: deps.recovery.mailer.available }),
    ...emailRoutes({ recovery: deps.recovery, fromAddress: deps.emailFrom }),
    ...registrationRoutes({ db: deps.db }),
  ];
}

function referenceRoutes(operations: Route[], issuer: () => string): Route[] {
  const documented = () => [...reference, ...operations];
  const reference: Route[] = [
    defineRoute({
      method: 'get', path: '/openapi.json', tag: 'Reference', operationId: 'getOpenApiDocument', auth: false, raw: 'application/json',
      summary: 'This OpenAPI 3.1 document',
      async handle({ ctx }) {
        ctx.body = openApiDocument(documented(), issuer());
        ctx.set('Cache-Control', 'no-cache');
      },
    }),
    defineRoute({
      method: 'get', path: '/docs', tag: 'Reference', operationId: 'getApiReference', auth: false, raw: 'text/html',
      summary: 'Readable reference of the Management API',
      async handle({ ctx }) {
        const page = apiDocsPage(documented(), openApiDocument(documented(), issuer()), issuer());
        ctx.type = 'html';
        ctx.set('Content-Security-Policy', [
          "default-src 'none'",
          `style-src 'sha256-${createHash('sha256').update(page.styles).digest('base64')}'`,
          "frame-ancestors 'none'",
          "base-uri 'none'",
        ].join('; '));
        ctx.body = page.body;
      },
    }),
  ];
  return reference;
}

/**
 * The Management API under /api: problem JSON for every error, JSON bodies only, and a bearer token for the
 * Management API resource on every operation but the reference ones. Unknown /api paths answer 404 here
 * rather than falling through to oidc-provider.
 */
export function managementRoutes(deps: ManagementDeps): Router {
  const issuer = () => deps.providers.provider.issuer;
  const operations = managementOperations(deps);
  const api = new Router({ prefix: '/api' });
  // Reference routes answer for themselves and leave the body alone.
  mountRoutes(api, referenceRoutes(operations, issuer), async (_ctx, next) => next());
  mountRoutes(api, operations, requireManagementToken(deps));

  const outer = new Router();
  outer.all(
    '/api{/*rest}',
    problemBoundary(deps.logger, issuer),
    bodyParser({ enableTypes: ['json'], jsonLimit: '256kb', encoding: 'utf-8' }),
    api.routes() as unknown as Middleware,
    async function answerUnknownOperation(ctx) {
      const known = api.match(ctx.path, ctx.method).path.some((layer) => layer.methods.length > 0);
      if (known) throw new ProblemError('request.method_not_allowed', `${ctx.method} is not allowed on ${ctx.path}`, 405);
      throw new ProblemError('request.not_found', `no Management API operation at ${ctx.path}`, 404);
    },
  );
  return outer;
}
