import { sql } from 'kysely';
import type { Db } from '../db/database.ts';

/**
 * When an app last used a person's access (src/oidc/access-use.ts records it), shown on /account. One row per user
 * and app, written at most once per `quietSeconds` unless the app asks for an API it had not asked for before:
 * recording is one conditional UPSERT, which usually changes nothing.
 */
export async function recordAccessUse(db: Db, use: { userId: string; clientId: string; resources: string[]; quietSeconds: number }): Promise<void> {
  const resources = JSON.stringify([...new Set(use.resources)].sort());
  await sql`
    INSERT INTO app_access_uses AS u (user_id, client_id, last_used_at, resources)
    SELECT ${use.userId}, ${use.clientId}, now(), ${resources}::jsonb
    WHERE EXISTS (SELECT 1 FROM users WHERE id = ${use.userId}) AND EXISTS (SELECT 1 FROM applications WHERE id = ${use.clientId})
    ON CONFLICT (user_id, client_id) DO UPDATE
      SET last_used_at = now(),
          resources = (SELECT coalesce(jsonb_agg(DISTINCT r ORDER BY r), '[]'::jsonb) FROM jsonb_array_elements_text(u.resources || excluded.resources) AS r)
      WHERE u.last_used_at < now() - make_interval(secs => ${use.quietSeconds})
         OR NOT (u.resources @> excluded.resources)
  `.execute(db);
}

export interface AccessUse {
  clientId: string;
  lastUsedAt: Date;
  resources: string[];
}

export async function findAccessUses(db: Db, userId: string): Promise<AccessUse[]> {
  const rows = await db.selectFrom('app_access_uses').select(['client_id', 'last_used_at', 'resources'])
    .where('user_id', '=', userId).execute();
  return rows.map((r) => ({ clientId: r.client_id, lastUsedAt: new Date(r.last_used_at), resources: r.resources ?? [] }));
}
