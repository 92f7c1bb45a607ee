import { createHmac, hkdfSync } from 'node:crypto';
import { sql } from 'kysely';
import { hashClientSecret, upsertBuiltInApplication } from '../apps/app.repository.ts';
import type { Db } from '../db/database.ts';
import { accountClientId } from '../apps/built-in.ts';

/** The account page signs people in like any app does, as this built-in first-party client. */
export { accountClientId };

/** Its secret is derived from the master secret, so every node knows it and only its hash is stored. */
export function accountClientSecret(masterSecret: string): string {
  const key = Buffer.from(hkdfSync('sha256', masterSecret, 'sesame', 'sesame/account-client/v1', 32));
  return createHmac('sha256', key).update(accountClientId).digest('base64url');
}

export function accountRedirectUri(issuer: string): string {
  return `${issuer}/account/callback`;
}

/** Creates the account client with its derived secret, or restores both (its URIs follow the issuer). */
export async function ensureAccountClient(db: Db, issuer: string, masterSecret: string): Promise<void> {
  await upsertBuiltInApplication(db, {
    id: accountClientId,
    name: 'Sesame account',
    description: 'Built in: the page where people see their profile and connected apps.',
    type: 'traditional',
    managementAccess: false,
    redirectUris: [accountRedirectUri(issuer)],
    postLogoutRedirectUris: [`${issuer}/account`],
  });
  await db.insertInto('application_secrets').values({
    id: 'sec_sesame_account',
    application_id: accountClientId,
    name: 'Built in',
    secret_hash: hashClientSecret(accountClientSecret(masterSecret)),
    last_chars: '····',
    expires_at: null,
    created_at: sql`now()`,
  }).onConflict((oc) => oc.column('id').doUpdateSet({ secret_hash: hashClientSecret(accountClientSecret(masterSecret)), expires_at: null })).execute();
}
