import { z } from 'zod';
import { managementScope } from '../resources/management-api.ts';
import { oidcRoutes } from '../oidc/provider.ts';
import { problemSchema } from './problem.ts';
import type { Route } from './route.ts';

type JsonSchema = Record<string, unknown>;

/** Named schemas (those with a `.meta({ id })`), gathered into components.schemas as they are met. */
type Components = Record<string, JsonSchema>;

/** Points `#/$defs/X` references at `#/components/schemas/X`, where the named schemas are kept. */
function relinkRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(relinkRefs);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [
    key,
    key === '$ref' && typeof inner === 'string' ? inner.replace(/^#\/\$defs\//, '#/components/schemas/') : relinkRefs(inner),
  ]));
}

/** JSON Schema 2020-12 (what OpenAPI 3.1 uses) of a zod schema, as a request takes it or a response gives it. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output', components: Components): JsonSchema {
  const { $schema: _dialect, $defs, id: _id, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
  for (const [name, definition] of Object.entries(($defs ?? {}) as Record<string, JsonSchema>)) {
    // Input and output shapes of a named schema may differ (defaults); the output one is the documented model.
    if (io === 'output' || !components[name]) components[name] = relinkRefs(definition) as JsonSchema;
  }
  return relinkRefs(rest) as JsonSchema;
}

/** `/applications/:id` → `/applications/{id}` */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function parameters(schema: z.ZodType | undefined, location: 'path' | 'query', components: Components) {
  if (!schema || !(schema instanceof z.ZodObject)) return [];
  const object = jsonSchema(schema, 'input', components) as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: location,
      required: location === 'path' || (object.required ?? []).includes(name),
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

const problemStatuses: Record<number, string> = {
  400: 'The request does not fit the schema (`request.invalid`, with field errors)',
  401: 'No valid Management API access token (`auth.*`)',
  403: 'The token lacks the `management` scope, or its app or user lost access',
  404: 'No such resource',
  409: 'Conflicts with the current state',
  422: 'Well-formed but breaks a rule (for example a redirect URI rule)',
};

/** The OpenAPI 3.1 document of the Management API, generated from the routes' own schemas. */
export function openApiDocument(routes: Route[], issuer: string): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  const components: Components = {};
  const problem = jsonSchema(problemSchema, 'output', components);
  for (const route of routes) {
    const problems = [400, ...(route.auth ? [401, 403] : []), ...route.problems];
    const responses: Record<string, unknown> = {
      [route.status]: route.raw
        ? { description: 'OK', content: { [route.raw]: { schema: { type: route.raw.endsWith('json') ? 'object' : 'string' } } } }
        : route.response
          ? { description: 'OK', content: { 'application/json': { schema: jsonSchema(route.response, 'output', components) } } }
          : { description: 'Done; no content' },
    };
    for (const status of [...new Set(problems)].sort()) {
      responses[status] = {
        description: problemStatuses[status] ?? 'Problem',
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      };
    }
    const path = `/api${openApiPath(route.path)}`;
    paths[path] ??= {};
    paths[path][route.method] = {
      operationId: route.operationId,
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      tags: [route.tag],
      parameters: [...parameters(route.params, 'path', components), ...parameters(route.query, 'query', components)],
      ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(route.body, 'input', components) } } } } : {}),
      responses,
      security: route.auth ? [{ managementToken: [] }, { oauth2: [managementScope] }] : [],
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Sesame Management API',
      version: '1',
      description: [
        'Manage applications, their secrets and users. Every operation needs a bearer access token issued by this',
        `Sesame for the resource \`${issuer}/api\` with the \`${managementScope}\` scope: an m2m app granted management`,
        `access gets one with \`grant_type=client_credentials&resource=${issuer}/api&scope=${managementScope}\`.`,
        'Errors are RFC 9457 problem details with a stable `code`.',
      ].join(' '),
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [{ url: issuer }],
    paths,
    components: {
      schemas: { ...components, Problem: components.Problem ?? problem },
      securitySchemes: {
        managementToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'RFC 9068 access token for the Management API' },
        oauth2: {
          type: 'oauth2',
          flows: { clientCredentials: { tokenUrl: `${issuer}${oidcRoutes.token}`, scopes: { [managementScope]: 'Everything in the Management API' } } },
        },
      },
    },
  };
}
