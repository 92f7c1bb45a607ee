import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { managementOperations } from '../src/management/management.routes.ts';
import { startTestSesame, type TestSesame } from './support/sesame.ts';
import { apiClient } from './support/management.ts';

let sesame: TestSesame;

beforeAll(async () => {
  sesame = await startTestSesame();
});
afterAll(async () => sesame?.stop());

describe('OpenAPI document', () => {
  it('is served without a token as OpenAPI 3.1 listing every operation', async () => {
    const response = await apiClient(sesame)('GET', '/api/openapi.json');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const doc = response.body;
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    expect(doc.servers).toEqual([{ url: sesame.url }]);
    expect(doc.components.securitySchemes.oauth2.flows.clientCredentials.tokenUrl).toBe(`${sesame.url}/oidc/token`);

    const operations = managementOperations({ db: sesame.sesame.db, directory: sesame.sesame.directory, providers: sesame.sesame.providers, logger: sesame.sesame.logger, throttle: sesame.sesame.throttle, recovery: sesame.sesame.recovery, emailFrom: sesame.sesame.emailFrom, accessTokenDefaults: sesame.sesame.config.ttl });
    const listed = Object.entries(doc.paths as Record<string, Record<string, { operationId: string }>>)
      .flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => `${method.toUpperCase()} ${path} ${op.operationId}`));
    for (const route of operations) {
      expect(listed).toContain(`${route.method.toUpperCase()} /api${route.path.replace(/:(\w+)/g, '{$1}')} ${route.operationId}`);
    }
    expect(listed).toEqual(expect.arrayContaining([
      'GET /api/applications listApplications', 'POST /api/applications createApplication', 'GET /api/applications/{id} getApplication',
      'PATCH /api/applications/{id} updateApplication', 'DELETE /api/applications/{id} deleteApplication',
      'GET /api/applications/{id}/endpoints getApplicationEndpoints', 'GET /api/applications/{id}/secrets listApplicationSecrets',
      'POST /api/applications/{id}/secrets createApplicationSecret', 'DELETE /api/applications/{id}/secrets/{secretId} deleteApplicationSecret',
      'GET /api/users listUsers', 'POST /api/users createUser', 'GET /api/users/{id} getUser', 'PATCH /api/users/{id} updateUser',
      'DELETE /api/users/{id} deleteUser', 'POST /api/users/{id}/suspend suspendUser', 'POST /api/users/{id}/unsuspend unsuspendUser',
      'PUT /api/users/{id}/password setUserPassword', 'GET /api/openapi.json getOpenApiDocument', 'GET /api/docs getApiReference',
    ]));
    expect(new Set(listed.map((l) => l.split(' ')[2])).size).toBe(listed.length);
  });

  it('describes parameters, bodies, responses, problems and security from the schemas', async () => {
    const { body: doc } = await apiClient(sesame)('GET', '/api/openapi.json');
    const create = doc.paths['/api/applications'].post;
    expect(create.requestBody.content['application/json'].schema).toMatchObject({
      type: 'object', required: expect.arrayContaining(['name', 'type']), properties: { redirect_uris: { type: 'array' } },
    });
    expect(create.responses['201'].content['application/json'].schema.properties).toHaveProperty('client_secret');
    expect(create.responses['422'].content['application/problem+json'].schema).toEqual({ $ref: '#/components/schemas/Problem' });
    expect(create.security).toEqual(expect.arrayContaining([{ managementToken: [] }]));
    expect(doc.paths['/api/applications/{id}'].get.parameters).toContainEqual(expect.objectContaining({ name: 'id', in: 'path', required: true }));
    expect(doc.paths['/api/applications'].get.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['limit', 'offset', 'cursor', 'type', 'third_party', 'q']),
    );
    expect(doc.components.schemas.Problem.required).toEqual(expect.arrayContaining(['type', 'title', 'status', 'detail', 'code']));
    expect(doc.paths['/api/openapi.json'].get.security).toEqual([]);
    expect(doc.paths['/api/users/{id}'].get.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/User' });
    expect(Object.keys(doc.components.schemas.User.properties)).toEqual(expect.arrayContaining(['id', 'username', 'given_name', 'address', 'suspended']));
    expect(Object.keys(doc.components.schemas.User.properties)).not.toContain('password_hash');
    // Every reference resolves inside the document.
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of new Set(refs)) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(doc.components.schemas[ref.split('/').pop()!], ref).toBeDefined();
    }
  });

  it('has a readable, self-contained reference page', async () => {
    const response = await fetch(`${sesame.url}/api/docs`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    const page = await response.text();
    expect(page).toContain('/api/applications/:id/secrets');
    expect(page).toContain('id="application.not_found"');
    expect(page).not.toMatch(/<script|https:\/\/cdn/);
  });

  it('answers unknown paths and methods under /api with problem JSON', async () => {
    const unknown = await apiClient(sesame)('GET', '/api/nothing-here');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ code: 'request.not_found', status: 404 });
    const method = await apiClient(sesame)('PUT', '/api/applications');
    expect(method.status).toBe(405);
    expect(method.body).toMatchObject({ code: 'request.method_not_allowed' });
  });
});
