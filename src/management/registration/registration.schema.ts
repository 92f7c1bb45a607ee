import { z } from 'zod';
import { registrationModes } from '../../registration/registration-modes.ts';
import { newRegistrationTokenSchema, type CreatedRegistrationToken } from '../../registration/registration-token.service.ts';
import { registrationPolicyChangesSchema, type RegistrationPolicy } from '../../registration/registration-policy.service.ts';
import { timestamp } from '../common.schema.ts';

/** Management API shapes of the policy for apps that arrive by themselves (src/registration/). */

const fields = registrationPolicyChangesSchema.shape;

export const registrationPolicySchema = z.object({
  dcr: z.enum(registrationModes).describe(fields.dcr.description ?? ''),
  cimd: z.enum(registrationModes).describe(fields.cimd.description ?? ''),
  allowed_domains: z.array(z.string()).describe(fields.allowed_domains.description ?? ''),
  initial_access_token_required: z.boolean(),
  max_apps_per_ip: z.number().int(),
  max_dynamic_apps: z.number().int(),
  unused_app_days: z.number().int(),
  default_user_scopes: z.array(z.string()).describe(fields.default_user_scopes.description ?? ''),
  default_resource_scopes: z.array(z.object({ indicator: z.string(), scope: z.string() })).describe(fields.default_resource_scopes.description ?? ''),
  updated_at: timestamp.nullable(),
}).meta({ id: 'RegistrationPolicy' });

export function toApiRegistrationPolicy(policy: RegistrationPolicy): z.input<typeof registrationPolicySchema> {
  return { ...policy, updated_at: policy.updated_at?.toISOString() ?? null };
}

export const registrationPolicyBody = registrationPolicyChangesSchema;

export const newRegistrationTokenBody = newRegistrationTokenSchema;

export const createdRegistrationTokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  token: z.string().describe('The initial access token: shown only in this response; registrations send it as `Authorization: Bearer`'),
  expires_at: timestamp.nullable(),
}).meta({ id: 'CreatedRegistrationToken' });

export function toApiRegistrationToken(token: CreatedRegistrationToken): z.input<typeof createdRegistrationTokenSchema> {
  return { ...token, expires_at: token.expires_at?.toISOString() ?? null };
}
