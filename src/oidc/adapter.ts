import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { errors, Provider, type Adapter, type AdapterPayload } from 'oidc-provider';
import { clientMetadata } from '../apps/app-types.ts';
import { hashClientSecret } from '../apps/app.repository.ts';
import type { Directory } from '../cache/directory.ts';
import type { Db } from '../db/database.ts';
import { isStorableText } from '../db/text.ts';
import { presentedClientSecret } from './presented-client-secret.ts';

const consumableLabels: Record<string, string> = {
  AuthorizationCode: 'authorization code',
  RefreshToken: 'refresh token',
  DeviceCode: 'device code',
  BackchannelAuthenticationRequest: 'backchannel authentication request',
};

/**
 * oidc-provider's storage on PostgreSQL: one table for every model, lookup columns indexed.
 * Consuming is a conditional UPDATE, so of two concurrent consumers exactly one wins; the loser's
 * grant is revoked, as for any reuse of a one-time artifact.
 */
export class PostgresAdapter implements Adapter {
  readonly #db: Db;
  readonly #model: string;

  constructor(db: Db, model: string) {
    this.#db = db;
    this.#model = model;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const row = {
      payload: JSON.stringify(payload),
      grant_id: payload.grantId ?? null,
      uid: payload.uid ?? null,
      user_code: payload.userCode ?? null,
      expires_at: expiresIn ? sql<Date>`now() + make_interval(secs => ${expiresIn})` : null,
    };
    await this.#db.insertInto('oidc_models')
      .values({ model: this.#model, id, ...row })
      .onConflict((oc) => oc.columns(['model', 'id']).doUpdateSet(row))
      .execute();
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return this.#findWhere('id', id);
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.#findWhere('uid', uid);
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.#findWhere('user_code', userCode);
  }

  async #findWhere(column: 'id' | 'uid' | 'user_code', value: string): Promise<AdapterPayload | undefined> {
    // Codes and tokens arrive from clients as they were sent.
    if (!isStorableText(value)) return undefined;
    const row = await this.#db.selectFrom('oidc_models')
      .select(['payload', 'consumed_at'])
      .where('model', '=', this.#model)
      .where(column, '=', value)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', sql<Date>`now()`)]))
      .executeTakeFirst();
    if (!row) return undefined;
    const payload = row.payload as AdapterPayload;
    return row.consumed_at ? { ...payload, consumed: Math.floor(row.consumed_at.getTime() / 1000) } : payload;
  }

  async destroy(id: string): Promise<void> {
    await this.#db.deleteFrom('oidc_models').where('model', '=', this.#model).where('id', '=', id).execute();
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.#db.deleteFrom('oidc_models').where('grant_id', '=', grantId).where('model', '=', this.#model).execute();
  }

  async consume(id: string): Promise<void> {
    const won = await this.#db.updateTable('oidc_models')
      .set({ consumed_at: sql`now()` })
      .where('model', '=', this.#model).where('id', '=', id).where('consumed_at', 'is', null)
      .returning('grant_id')
      .executeTakeFirst();
    if (won) return;
    const lost = await this.#db.selectFrom('oidc_models').select('grant_id')
      .where('model', '=', this.#model).where('id', '=', id).executeTakeFirst();
    if (lost?.grant_id) await revokeGrant(this.#db, lost.grant_id);
    throw new errors.InvalidGrant(`${consumableLabels[this.#model] ?? this.#model} already consumed`);
  }
}

/** Deletes a grant and every token and code issued under it. */
export async function revokeGrant(db: Db, grantId: string): Promise<void> {
  await db.deleteFrom('oidc_models')
    .where((eb) => eb.or([eb('grant_id', '=', grantId), eb.and([eb('model', '=', 'Grant'), eb('id', '=', grantId)])]))
    .execute();
}

// Returned as the secret when the presented one matches none of the app's: it can never be guessed.
const unmatchableSecret = randomBytes(32).toString('base64url');

/**
 * Clients come from the applications table (through the node's directory cache). An app may hold several
 * secrets, stored hashed, so the client is described with the secret the request presents when its hash is one
 * of the app's.
 */
export class ApplicationClientAdapter implements Adapter {
  readonly #directory: Directory;

  constructor(directory: Directory) {
    this.#directory = directory;
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    if (!isStorableText(id)) return undefined;
    const app = await this.#directory.application(id);
    if (!app) return undefined;
    const presented = presentedClientSecret(Provider.ctx);
    const presentedHash = presented ? hashClientSecret(presented) : undefined;
    const match = presentedHash ? (await this.#directory.secretHashes(id)).find((s) => s.secret_hash === presentedHash) : undefined;
    const secret = match && presented
      ? { value: presented, expiresAt: match.expires_at ? Math.floor(match.expires_at.getTime() / 1000) : 0 }
      : { value: unmatchableSecret, expiresAt: 0 };
    const userScopes = app.third_party ? await this.#directory.userScopes(app.id) : undefined;
    return clientMetadata(app, secret, userScopes) as AdapterPayload;
  }

  async upsert(): Promise<void> {
    throw new Error('applications are managed by Sesame, not by dynamic registration');
  }

  async destroy(): Promise<void> {}
  async consume(): Promise<void> {}
  async revokeByGrantId(): Promise<void> {}
  async findByUid(): Promise<undefined> { return undefined; }
  async findByUserCode(): Promise<undefined> { return undefined; }
}

export function adapterFactory(db: Db, directory: Directory) {
  return (model: string): Adapter => (model === 'Client' ? new ApplicationClientAdapter(directory) : new PostgresAdapter(db, model));
}

/** Removes artifacts that expired; run periodically by one or many nodes. */
export async function deleteExpiredModels(db: Db, batch = 5000): Promise<number> {
  const result = await sql<{ n: number }>`
    WITH doomed AS (
      SELECT model, id FROM oidc_models WHERE expires_at < now() LIMIT ${batch}
    )
    DELETE FROM oidc_models m USING doomed d WHERE m.model = d.model AND m.id = d.id
    RETURNING 1 AS n`.execute(db);
  return result.rows.length;
}
