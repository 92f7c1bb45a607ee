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
}).meta({ id: 'UserGrant' });
