import { sql, type Kysely } from 'kysely';

/**
 * A scope's description in each language Sesame's pages ship (`{ "fr": "Lire vos notes", … }`), shown on the
 * consent screen and the account page in the person's language; `description` stays the text shown when the
 * person's language has none. One jsonb column beside the description: a scope's words are read with the scope.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('api_resource_scopes')
    .addColumn('description_translations', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
}
