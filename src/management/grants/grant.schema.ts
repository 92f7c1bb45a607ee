import { z } from 'zod';
import { timestamp } from '../common.schema.ts';

/** Management API shapes of what users granted apps. */

export const userGrantSchema = z.object({
  client_id: z.string(),
  application_name: z.string().nullable().describe('Display name, or name; null if the app is gone'),
  third_party: z.boolean().nullable(),
  user_scopes: z.array(z.string()).describe('OpenID Connect scopes granted (openid, profile, offline_access…)'),
  resource_scopes: z.array(z.object({ resource: z.string().describe('Resource indicator'), scopes: z.array(z.string()) })),
  granted_at: timestamp.nullable(),
  revocation_bound_seconds: z.number().int().min(0)
    .describe('How long revoking may take to stop the app: the longest lifetime of the JWT access tokens it may hold for APIs, which APIs check on their own until they expire; 0 when everything it holds stops at once'),
}).meta({ id: 'UserGrant' });
