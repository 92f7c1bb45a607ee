import { z } from 'zod';
import { appTypes } from '../../apps/app-types.ts';
import type { Application, ApplicationSecret } from '../../db/tables.ts';
import { booleanText, pageQuery, pageSchema, timestamp } from '../common.schema.ts';

/** Management API shapes of applications; field names follow the RFC client metadata (`redirect_uris`). */

const uris = (what: string) => z.array(z.string().max(2048)).max(100).describe(what);

export const applicationSchema = z.object({
  id: z.string().describe('The OAuth client_id'),
  client_id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  type: z.enum(appTypes),
  third_party: z.boolean(),
  redirect_uris: z.array(z.string()),
  post_logout_redirect_uris: z.array(z.string()),
  cors_origins: z.array(z.string()),
  refresh_token_ttl_days: z.number().int(),
  rotate_refresh_token: z.boolean(),
  management_access: z.boolean().describe('May obtain Management API tokens: an m2m app for itself, an interactive app for signed-in admins'),
  created_at: timestamp,
  updated_at: timestamp,
}).meta({ id: 'Application' });

export function toApiApplication(app: Application): z.input<typeof applicationSchema> {
  return {
    id: app.id,
    client_id: app.id,
    name: app.name,
    description: app.description,
    type: app.type,
    third_party: app.third_party,
    redirect_uris: app.redirect_uris,
    post_logout_redirect_uris: app.post_logout_redirect_uris,
    cors_origins: app.cors_origins,
    refresh_token_ttl_days: app.refresh_token_ttl_days,
    rotate_refresh_token: app.rotate_refresh_token,
    management_access: app.management_access,
    created_at: app.created_at.toISOString(),
    updated_at: app.updated_at.toISOString(),
  };
}

export const applicationParams = z.object({ id: z.string().min(1).max(128).describe('client_id') });

export const newApplicationBody = z.strictObject({
  name: z.string().trim().min(1).max(256),
  description: z.string().trim().max(2048).optional(),
  type: z.enum(appTypes),
  third_party: z.boolean().default(false).describe('Chosen at creation, never changed; m2m apps cannot be third-party'),
  redirect_uris: uris('Exact redirect URIs (RFC 8252 loopback port leniency for native apps)').default([]),
  post_logout_redirect_uris: uris('Where RP-initiated logout may return').default([]),
  cors_origins: uris('Extra origins allowed for browser calls, besides those of the redirect URIs').default([]),
  management_access: z.boolean().default(false),
});

export const createdApplicationSchema = applicationSchema.extend({
  client_secret: z.string().optional().describe('Shown once, for confidential apps (traditional, m2m); only a hash is kept'),
});

export const applicationChangesBody = z.strictObject({
  name: z.string().trim().min(1).max(256).optional(),
  description: z.string().trim().max(2048).nullable().optional(),
  redirect_uris: uris('Replaces the redirect URIs').optional(),
  post_logout_redirect_uris: uris('Replaces the post-logout redirect URIs').optional(),
  cors_origins: uris('Replaces the extra CORS origins').optional(),
  refresh_token_ttl_days: z.number().int().min(1).max(3650).optional(),
  rotate_refresh_token: z.boolean().optional().describe('Public clients always rotate, whatever this says'),
  management_access: z.boolean().optional(),
  type: z.enum(appTypes).optional().describe('Accepted only when unchanged'),
  third_party: z.boolean().optional().describe('Accepted only when unchanged'),
});

export const applicationListQuery = z.object({
  ...pageQuery,
  third_party: booleanText.optional(),
  type: z.enum(appTypes).optional(),
  q: z.string().trim().max(256).optional().describe('Substring of the name, description or client id (case-insensitive)'),
});

export const applicationListSchema = z.object({ data: z.array(applicationSchema), ...pageSchema });

export const secretSchema = z.object({
  id: z.string(),
  name: z.string(),
  last_chars: z.string().describe('The last 4 characters, to recognise it'),
  expires_at: timestamp.nullable(),
  expired: z.boolean(),
  created_at: timestamp,
}).meta({ id: 'ClientSecret' });

export function toApiSecret(secret: ApplicationSecret): z.input<typeof secretSchema> {
  return {
    id: secret.id,
    name: secret.name,
    last_chars: secret.last_chars,
    expires_at: secret.expires_at?.toISOString() ?? null,
    expired: secret.expires_at !== null && secret.expires_at.getTime() <= Date.now(),
    created_at: secret.created_at.toISOString(),
  };
}

export const newSecretBody = z.strictObject({
  name: z.string().trim().min(1).max(128),
  expires_at: timestamp.nullable().optional().describe('When it stops working; never when absent'),
});

export const createdSecretSchema = secretSchema.extend({
  value: z.string().describe('The client secret: shown only in this response'),
});

export const secretParams = applicationParams.extend({ secretId: z.string().min(1).max(128) });

export const endpointsSchema = z.object({
  issuer: z.string(),
  discovery: z.string(),
  authorization_endpoint: z.string(),
  token_endpoint: z.string(),
  userinfo_endpoint: z.string(),
  jwks_uri: z.string(),
  end_session_endpoint: z.string(),
  revocation_endpoint: z.string(),
  introspection_endpoint: z.string(),
  client_id: z.string(),
}).meta({ id: 'ApplicationEndpoints' });
