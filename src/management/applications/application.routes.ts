import { z } from 'zod';
import {
  createApplication, createSecret, deleteApplication, deleteSecret, getApplication, listApplications, listSecrets,
  updateApplication,
} from '../../apps/app.service.ts';
import type { Db } from '../../db/database.ts';
import { defineRoute, type Route } from '../../http/route.ts';
import { toApiPage } from '../common.schema.ts';
import { oidcRoutes } from '../../oidc/provider.ts';
import {
  applicationChangesBody, applicationListQuery, applicationListSchema, applicationParams, applicationSchema,
  createdApplicationSchema, createdSecretSchema, endpointsSchema, newApplicationBody, newSecretBody, secretParams,
  secretSchema, toApiApplication, toApiSecret,
} from './application.schema.ts';

export interface ApplicationRouteDeps {
  db: Db;
  issuer: () => string;
}

const tag = 'Applications';

export function applicationRoutes({ db, issuer }: ApplicationRouteDeps): Route[] {
  return [
    defineRoute({
      method: 'get', path: '/applications', tag, operationId: 'listApplications',
      summary: 'List applications',
      description: 'Newest first. Filter by `type`, `third_party` (the *My apps* / *Third-party apps* tabs) and text `q`; page with `limit` and `offset`, or `cursor`.',
      query: applicationListQuery,
      response: applicationListSchema,
      async handle({ query }) {
        const page = await listApplications(db, { type: query.type, thirdParty: query.third_party, search: query.q || undefined }, query);
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
        const base = issuer();
        return {
          issuer: base,
          discovery: `${base}/.well-known/openid-configuration`,
          authorization_endpoint: `${base}${oidcRoutes.authorization}`,
          token_endpoint: `${base}${oidcRoutes.token}`,
          userinfo_endpoint: `${base}${oidcRoutes.userinfo}`,
          jwks_uri: `${base}${oidcRoutes.jwks}`,
          end_session_endpoint: `${base}${oidcRoutes.end_session}`,
          revocation_endpoint: `${base}${oidcRoutes.revocation}`,
          introspection_endpoint: `${base}${oidcRoutes.introspection}`,
          client_id: application.id,
        };
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
