import { z } from 'zod';
import { applicationChangesSchema, applicationFields, newApplicationSchema, secretName } from '../../apps/app.schema.ts';
import { appOrigins, appStatuses } from '../../apps/app-types.ts';
import type { Application, ApplicationSecret } from '../../db/tables.ts';
import { booleanText, idParam, pageQuery, pageSchema, searchText, timestamp } from '../common.schema.ts';

/** Management API shapes of applications; field names follow the RFC client metadata (`redirect_uris`). */

export const applicationSchema = z.object({
  id: z.string().describe('The OAuth client_id'),
  client_id: z.string(),
  ...applicationFields,
  description: applicationFields.description.nullable(),
  origin: z.enum(appOrigins).describe('Who made it: an admin, dynamic registration (RFC 7591), or a client ID metadata document'),
  status: z.enum(appStatuses).describe('Only an approved app signs people in; apps that registered themselves may wait for approval'),
  last_used_at: timestamp.nullable().describe('When it was last used (recorded at most hourly); unused dynamic apps are removed'),
  created_at: timestamp,
  updated_at: timestamp,
}).meta({ id: 'Application' });

/** The response schema keeps the settings it declares and drops the rest of the row (branding, kept apart). */
export function toApiApplication(app: Application): z.input<typeof applicationSchema> {
  return {
    ...app, client_id: app.id, last_used_at: app.last_used_at?.toISOString() ?? null,
    created_at: app.created_at.toISOString(), updated_at: app.updated_at.toISOString(),
  };
}

export const applicationParams = z.object({ id: idParam('Client ID').describe('client_id') });

export const newApplicationBody = newApplicationSchema;

export const createdApplicationSchema = applicationSchema.extend({
  client_secret: z.string().optional().describe('Shown once, for confidential apps (traditional, m2m); only a hash is kept'),
});

export const applicationChangesBody = applicationChangesSchema;

export const applicationListQuery = z.object({
  ...pageQuery,
  third_party: booleanText.meta({ title: 'Third-party app' }).optional(),
  type: applicationFields.type.optional(),
  status: z.enum(appStatuses).meta({ title: 'Status', description: 'Only apps with this status (`pending`: waiting for an admin)' }).optional(),
  dynamic: booleanText.meta({ title: 'Registered itself', description: 'Only apps that registered themselves (true) or that an admin created (false)' }).optional(),
  q: searchText('Substring of the name, description or client id (case-insensitive)'),
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
  name: secretName,
  expires_at: timestamp.nullable().optional().meta({ title: 'Expiry date', description: 'When it stops working; never when absent' }),
});

export const createdSecretSchema = secretSchema.extend({
  value: z.string().describe('The client secret: shown only in this response'),
});

export const secretParams = applicationParams.extend({ secretId: idParam('Secret ID') });

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
