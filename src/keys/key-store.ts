import { randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Sealer } from '../secrets/sealed.ts';

export const signingAlgs = ['RS256', 'ES256'] as const;
export type SigningAlg = (typeof signingAlgs)[number];

export interface LoadedKeys {
  /** Private JWKs for oidc-provider: the active key of each algorithm first, retired ones after for verification. */
  jwks: JWK[];
  /** Cookie signing secrets, the active one first. */
  cookieKeys: string[];
  /** Changes whenever a key is added or retired; nodes compare it to notice a rotation. */
  fingerprint: string;
}

export interface KeySummary {
  kid: string;
  use: 'sig' | 'cookie';
  alg: string;
  status: 'active' | 'retired';
  createdAt: Date;
  retiredAt: Date | null;
}

async function newSigningKey(alg: SigningAlg, sealer: Sealer) {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, modulusLength: 2048 });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' };
  return {
    kid,
    use: 'sig' as const,
    alg,
    public_jwk: JSON.stringify({ ...publicJwk, kid, alg, use: 'sig' }),
    private_jwe: await sealer.seal(JSON.stringify(privateJwk)),
    status: 'active' as const,
  };
}

async function newCookieKey(sealer: Sealer) {
  return {
    kid: `cookie-${randomBytes(8).toString('hex')}`,
    use: 'cookie' as const,
    alg: 'HS256',
    public_jwk: null,
    private_jwe: await sealer.seal(randomBytes(32).toString('base64url')),
    status: 'active' as const,
  };
}

/**
 * Fails with WrongSecretError unless the master secret opens the stored keys. Checked before anything is
 * sealed: a key sealed under a wrong secret would stop every node that has the right one.
 */
export async function assertSecretOpensKeys(db: Db, sealer: Sealer): Promise<void> {
  const newest = await db.selectFrom('keys').select('private_jwe').orderBy('created_at', 'desc').limit(1).executeTakeFirst();
  if (newest) await sealer.open(newest.private_jwe);
}

/** Creates the keys a fresh installation lacks. Several nodes may race here; the unique index keeps one active key each. */
export async function ensureKeys(db: Db, sealer: Sealer): Promise<void> {
  const active = await db.selectFrom('keys').select(['use', 'alg']).where('status', '=', 'active').execute();
  const has = (use: string, alg: string) => active.some((k) => k.use === use && k.alg === alg);
  const missing = [
    ...(await Promise.all(signingAlgs.filter((alg) => !has('sig', alg)).map((alg) => newSigningKey(alg, sealer)))),
    ...(has('cookie', 'HS256') ? [] : [await newCookieKey(sealer)]),
  ];
  if (missing.length) await db.insertInto('keys').values(missing).onConflict((oc) => oc.doNothing()).execute();
}

export async function loadKeys(db: Db, sealer: Sealer): Promise<LoadedKeys> {
  const rows = await db.selectFrom('keys').selectAll()
    .orderBy(sql`status = 'active'`, 'desc').orderBy('created_at', 'desc').execute();
  const jwks: JWK[] = [];
  const cookieKeys: string[] = [];
  for (const row of rows) {
    const secret = await sealer.open(row.private_jwe);
    if (row.use === 'sig') jwks.push(JSON.parse(secret) as JWK);
    else cookieKeys.push(secret);
  }
  return { jwks, cookieKeys, fingerprint: keyFingerprint(rows) };
}

function keyFingerprint(rows: { kid: string; status: string }[]): string {
  return rows.map((r) => `${r.kid}:${r.status}`).sort().join(',');
}

export async function currentKeyFingerprint(db: Db): Promise<string> {
  return keyFingerprint(await db.selectFrom('keys').select(['kid', 'status']).execute());
}

export async function listKeys(db: Db): Promise<KeySummary[]> {
  const rows = await db.selectFrom('keys').select(['kid', 'use', 'alg', 'status', 'created_at', 'retired_at'])
    .orderBy('use').orderBy('alg').orderBy('created_at', 'desc').execute();
  return rows.map((r) => ({
    kid: r.kid, use: r.use, alg: r.alg, status: r.status, createdAt: r.created_at, retiredAt: r.retired_at,
  }));
}

/**
 * Retires the active signing keys (or cookie key) and makes new ones active. Retired signing keys stay
 * published in JWKS, so tokens signed before the rotation still verify.
 */
export async function rotateKeys(db: Db, sealer: Sealer, use: 'sig' | 'cookie' = 'sig'): Promise<KeySummary[]> {
  const fresh = use === 'sig'
    ? await Promise.all(signingAlgs.map((alg) => newSigningKey(alg, sealer)))
    : [await newCookieKey(sealer)];
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('keys').set({ status: 'retired', retired_at: sql`now()` })
      .where('use', '=', use).where('status', '=', 'active').execute();
    await trx.insertInto('keys').values(fresh).execute();
  });
  return (await listKeys(db)).filter((k) => fresh.some((f) => f.kid === k.kid));
}
