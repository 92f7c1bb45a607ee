import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { recordAuditEvent, type RequestOrigin } from '../audit/audit.repository.ts';
import type { Db } from '../db/database.ts';
import { newId } from '../ids.ts';
import { parseInput } from '../validation/parse-input.ts';
import { insertRegistrationToken, registrationTokenIsLive } from './registration.repository.ts';

/**
 * Initial access tokens (RFC 7591 §3): when the policy requires one, dynamic registration needs
 * `Authorization: Bearer <token>` with a token an admin created. A token registers any number of clients until
 * it expires; it is shown once, and only its SHA-256 is kept (256 random bits: a fast hash is enough).
 */

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

export const newRegistrationTokenSchema = z.strictObject({
  name: z.string().trim().min(1).max(128).meta({ title: 'Token name', description: 'Whom or what it is for, like "Partner CI"' }),
  expires_in_days: z.number().int().min(1).max(3650).nullable().default(30)
    .meta({ title: 'Expires in (days)', description: 'null: never' }),
});
export type NewRegistrationToken = z.input<typeof newRegistrationTokenSchema>;

export interface CreatedRegistrationToken {
  id: string;
  name: string;
  /** Shown only now. */
  token: string;
  expires_at: Date | null;
}

export async function createRegistrationToken(
  db: Db,
  input: NewRegistrationToken,
  actor: RequestOrigin & { userId?: string | null; by: 'admin' | 'cli' },
): Promise<CreatedRegistrationToken> {
  const data = parseInput(newRegistrationTokenSchema, input);
  const token = randomBytes(32).toString('base64url');
  const id = newId('iat_');
  const expiresAt = data.expires_in_days === null ? null : new Date(Date.now() + data.expires_in_days * 86_400_000);
  await db.transaction().execute(async (trx) => {
    await insertRegistrationToken(trx, { id, tokenHash: hashOf(token), name: data.name, expiresAt });
    await recordAuditEvent(trx, {
      type: 'registration.token_created', userId: actor.userId ?? null, ip: actor.ip, userAgent: actor.userAgent,
      details: { by: actor.by, id, name: data.name, expires_at: expiresAt?.toISOString() ?? null },
    });
  });
  return { id, name: data.name, token, expires_at: expiresAt };
}

/** Whether `token` is a live initial access token. */
export async function isRegistrationToken(db: Db, token: string | undefined): Promise<boolean> {
  return Boolean(token) && registrationTokenIsLive(db, hashOf(token!));
}
