import { z } from 'zod';
import {
  createApplication, createSecret, deleteApplication, deleteSecret, getApplication, listApplications, listSecrets,
  updateApplication,
} from '../../apps/app.service.ts';
import type { Db } from '../../db/database.ts';
import { defineRoute, type Route } from '../../http/route.ts';
import { toApiPage } from '../common.schema.ts';
import { getApplicationGuide } from '../../apps/guide/guide.service.ts';
import { guideSchema } from '../../apps/guide/guide.schema.ts';
import { providerFacts } from './provider-facts.ts';
import {
  applicationChangesBody, applicationListQuery, applicationListSchema, applicationParams, applicationSchema,
  createdApplicationSchema, createdSecretSchema, endpointsSchema, newApplicationBody, newSecretBody, secretParams,
  secretSchema, toApiApplication, toApiSecret,
} from './application.schema.ts';

export interface ApplicationRouteDeps {
  db: Db;
  issuer: () => string;
  /** The algorithm of the apps' ID tokens, for the integration guide. */
  idTokenSigningAlg: () => string;
}

const tag = 'Applications';

export function applicationRoutes({ db, issuer, idTokenSigningAlg }: ApplicationRouteDeps): Route[] {
  const facts = () => providerFacts(issuer(), idTokenSigningAlg());
  return [
    defineRoute({
      method: 'get', path: '/applications', tag, operationId: 'listApplications',
      summary: 'List applications',
      description: 'Newest first. Filter by `type`, `third_party` (the *My apps* / *Third-party apps* tabs), `status` (`pending`: waiting for an admin), `dynamic` (registered themselves) and text `q`; page with `limit` and `offset`, or `cursor`.',
      query: applicationListQuery,
      response: applicationListSchema,
      async handle({ query }) {
        const page = await listApplications(db, {
          type: query.type, thirdParty: query.third_party, status: query.status, dynamic: query.dynamic, search: query.q || undefined,
        }, query);
        return toApiPage(page.applications.map(toApiApplication), page, query);
      },
    }),
    defineRoute({
      method: 'post', path: '/applications', tag, operationId: 'createApplication',
      summary: 'Create an application',
      description: 'A confidential app (traditional, m2m) gets a first secret named *Default*, returned once as `client_secret`.',
      body: newApplicationBody,
      response: createdApplicationSchema,
      status: 201,
      problems: [422],
      async handle({ body, ctx }) {
        const { application, clientSecret } = await createApplication(db, body);
        ctx.set('Location', `/api/applications/${application.id}`);
        return { ...toApiApplication(application), ...(clientSecret ? { client_secret: clientSecret } : {}) };
      },
    }),
    defineRoute({
      method: 'get', path: '/applications/:id', tag, operationId: 'getApplication',
      summary: 'Get an application',
      params: applicationParams,
      response: applicationSchema,
      problems: [404],
      handle: async ({ params }) => toApiApplication(await getApplication(db, params.id)),
    }),
    defineRoute({
      method: 'patch', path: '/applications/:id', tag, operationId: 'updateApplication',
      summary: 'Update an application',
      description: 'Only the fields sent change; lists replace the old ones. `type` and `third_party` never change. Takes effect at once on every node.',
      params: applicationParams,
      body: applicationChangesBody,
      response: applicationSchema,
      problems: [404, 422],
      async handle({ params, body }) {
        return toApiApplication(await updateApplication(db, params.id, body));
      },
    }),
    defineRoute({
      method: 'delete', path: '/applications/:id', tag, operationId: 'deleteApplication',
      summary: 'Delete an application',
      description: 'Also deletes its secrets and revokes every grant, token and code issued to it.',
      params: applicationParams,
      problems: [404],
      handle: async ({ params }) => deleteApplication(db, params.id),
    }),
    defineRoute({
      method: 'get', path: '/applications/:id/endpoints', tag, operationId: 'getApplicationEndpoints',
      summary: 'Endpoints an application uses',
      description: 'Issuer, discovery and the OIDC endpoints, for the console\'s *Endpoints & credentials* card.',
      params: applicationParams,
      response: endpointsSchema,
      problems: [404],
      async handle({ params }) {
        const application = await getApplication(db, params.id);
        const { issuer: base, discovery, endpoints } = facts();
        return {
          issuer: base,
          discovery,
          authorization_endpoint: endpoints.authorization,
          token_endpoint: endpoints.token,
          userinfo_endpoint: endpoints.userinfo,
          jwks_uri: endpoints.jwks,
          end_session_endpoint: endpoints.endSession,
          revocation_endpoint: endpoints.revocation,
          introspection_endpoint: endpoints.introspection,
          client_id: application.id,
        };
      },
    }),
    defineRoute({
      method: 'get', path: '/applications/:id/guide', tag, operationId: 'getApplicationGuide',
      summary: 'An application\'s integration guide',
      description: 'Everything a developer needs to connect the app, written from its current values: issuer and discovery URL, client ID, redirect URIs, the scopes it may ask for, the flow its type uses, the values for services that accept an external OpenID Connect provider, and code samples filled in for it. It never holds a client secret (only hashes are kept): `<your client secret>` stands in its place. `markdown` is the same guide as `GET /applications/{id}/guide.md`.',
      params: applicationParams,
      response: guideSchema,
      problems: [404],
      handle: async ({ params }) => getApplicationGuide(db, params.id, facts()),
    }),
    defineRoute({
      method: 'get', path: '/applications/:id/guide.md', tag, operationId: 'getApplicationGuideMarkdown', raw: 'text/markdown',
      summary: 'An application\'s integration guide, as Markdown',
      description: 'The guide of `GET /applications/{id}/guide` as one Markdown document, to send to whoever writes the app. Without the client secret: send that apart, over a channel fit for secrets.',
      params: applicationParams,
      problems: [404],
      async handle({ params, ctx }) {
        const guide = await getApplicationGuide(db, params.id, facts());
        ctx.type = 'text/markdown; charset=utf-8';
        ctx.set('Cache-Control', 'no-store');
        ctx.set('Content-Disposition', `inline; filename="${guide.client_id}-integration-guide.md"`);
        ctx.body = guide.markdown;
      },
    }),
    defineRoute({
      method: 'get', path: '/applications/:id/secrets', tag, operationId: 'listApplicationSecrets',
      summary: 'List an application\'s client secrets',
      description: 'Never the values: only a hash is kept. `last_chars` helps recognise one.',
      params: applicationParams,
      response: z.object({ data: z.array(secretSchema) }),
      problems: [404, 422],
      handle: async ({ params }) => ({ data: (await listSecrets(db, params.id)).map(toApiSecret) }),
    }),
    defineRoute({
      method: 'post', path: '/applications/:id/secrets', tag, operationId: 'createApplicationSecret',
      summary: 'Create a client secret',
      description: 'The value is in this response only. Existing secrets keep working, so rotation needs no downtime.',
      params: applicationParams,
      body: newSecretBody,
      response: createdSecretSchema,
      status: 201,
      problems: [404, 409, 422],
      async handle({ params, body }) {
        const { secret, value } = await createSecret(db, params.id, {
          name: body.name,
          expiresAt: body.expires_at ? new Date(body.expires_at) : null,
        });
        return { ...toApiSecret(secret), value };
      },
    }),
    defineRoute({
      method: 'delete', path: '/applications/:id/secrets/:secretId', tag, operationId: 'deleteApplicationSecret',
      summary: 'Delete a client secret',
      description: 'It stops working at once.',
      params: secretParams,
      problems: [404],
      handle: async ({ params }) => deleteSecret(db, params.id, params.secretId),
    }),
  ];
}
