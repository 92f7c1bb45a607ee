import { z } from 'zod';
import { appTypes } from '../app-types.ts';

/**
 * The integration guide of one application, the one shape the Management API answers with
 * (`GET /api/applications/{id}/guide`), the console renders (its Guide tab) and the Markdown is written from.
 * Texts may hold `inline code` in backticks; nothing else is markup.
 */

/** Stands where the client secret goes: Sesame keeps only its hash. The console puts a freshly shown secret in its place. */
export const clientSecretPlaceholder = '<your client secret>';

const namedValue = z.object({ label: z.string(), value: z.string(), note: z.string().optional() });

export const guideSampleSchema = z.object({
  id: z.string().describe('Stable id, such as `node-express`'),
  platform: z.string().describe('Where it runs: Node.js, Python, Apache, Browser, iOS, Android, Desktop / CLI, Shell'),
  library: z.string(),
  summary: z.string(),
  install: z.string().nullable().describe('Shell command that installs what the sample needs'),
  files: z.array(z.object({ name: z.string(), language: z.string(), code: z.string() })),
  run: z.string().nullable().describe('Shell command that runs it'),
  notes: z.array(z.string()),
}).meta({ id: 'ApplicationGuideSample' });

export const guideScopeSchema = z.object({ name: z.string(), description: z.string() });

export const guideSchema = z.object({
  client_id: z.string(),
  name: z.string(),
  type: z.enum(appTypes),
  third_party: z.boolean(),
  issuer: z.string(),
  discovery_url: z.string(),
  client_secret: z.object({
    placeholder: z.string().describe(`Where the secret goes in the samples: ${clientSecretPlaceholder}`),
    note: z.string(),
  }).nullable().describe('Null for a public client (SPA, native), which has no secret'),
  redirect_uris: z.array(z.string()),
  post_logout_redirect_uris: z.array(z.string()),
  scopes: z.object({
    user: z.array(guideScopeSchema).describe('OpenID Connect scopes the app may ask for'),
    resources: z.array(z.object({
      indicator: z.string().describe('Sent as the `resource` parameter (RFC 8707)'),
      name: z.string(),
      scopes: z.array(guideScopeSchema),
    })).describe('API resources the app may ask tokens for, with their scopes'),
    notes: z.array(z.string()),
  }),
  flow: z.object({
    title: z.string(),
    grant_types: z.array(z.string()),
    token_endpoint_auth_method: z.string(),
    pkce: z.enum(['required', 'optional', 'none']),
    points: z.array(z.string()),
  }),
  endpoints: z.array(namedValue),
  external_idp: z.object({
    intro: z.string(),
    fields: z.array(namedValue),
    callback: z.string(),
  }).nullable().describe('For services that accept an external OIDC identity provider; null for m2m apps'),
  warnings: z.array(z.string()).describe('What the app lacks before a sample can sign in, such as a redirect URI'),
  samples: z.array(guideSampleSchema),
  markdown: z.string().describe('The whole guide as Markdown, as `GET /api/applications/{id}/guide.md` answers'),
}).meta({ id: 'ApplicationGuide' });

export type Guide = z.input<typeof guideSchema>;
export type GuideSample = z.input<typeof guideSampleSchema>;
