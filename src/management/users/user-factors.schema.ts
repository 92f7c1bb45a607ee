import { z } from 'zod';
import type { Factors } from '../../mfa/factors.service.ts';
import { timestamp } from '../common.schema.ts';

/** Management API shapes of a user's second factors: what they have, never a secret or a public key. */

export const userFactorsSchema = z.object({
  totp: z.object({ confirmed_at: timestamp }).nullable().describe('The authenticator app (RFC 6238), when set up'),
  passkeys: z.array(z.object({
    id: z.string().describe('WebAuthn credential ID, base64url'),
    name: z.string(),
    device_type: z.string().describe('`singleDevice` or `multiDevice` (synced)'),
    backed_up: z.boolean(),
    created_at: timestamp,
    last_used_at: timestamp.nullable(),
  })),
  recovery_codes: z.object({ total: z.number().int(), unused: z.number().int() }),
}).meta({ id: 'UserFactors' });

export const factorsResetSchema = z.object({
  totp: z.boolean().describe('Whether an authenticator app (or one being set up) was removed'),
  passkeys: z.number().int().describe('Passkeys removed'),
  recovery_codes: z.number().int().describe('Recovery codes removed'),
}).meta({ id: 'UserFactorsReset' });

export function toApiFactors(factors: Factors): z.input<typeof userFactorsSchema> {
  return {
    totp: factors.totp ? { confirmed_at: factors.totp.confirmedAt.toISOString() } : null,
    passkeys: factors.passkeys.map((p) => ({
      id: p.id, name: p.name, device_type: p.device_type, backed_up: p.backed_up,
      created_at: p.created_at.toISOString(), last_used_at: p.last_used_at?.toISOString() ?? null,
    })),
    recovery_codes: factors.recoveryCodes,
  };
}
