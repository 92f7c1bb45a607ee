import type { Db } from '../db/database.ts';
import { consoleClientId } from '../apps/built-in.ts';

export { consoleClientId };

/**
 * The admin console signs admins in like any single-page app does: as this built-in first-party public client
 * (authorization code + PKCE, no secret). It has management access, so an admin who signs in to it gets the
 * Management API's `management` scope; anyone else gets a token without it (src/oidc/resources.ts).
 */
export function consoleUrl(issuer: string): string {
  return `${issuer}/console`;
}

export function consoleRedirectUri(issuer: string): string {
  return `${issuer}/console/callback`;
}

/** Creates the console client, or brings it back to what it must be (its URIs follow the issuer). */
export async function ensureConsoleClient(db: Db, issuer: string): Promise<void> {
  // Set on creation and restored on every start.
  const settings = {
    type: 'spa' as const,
    third_party: false,
    management_access: true,
    redirect_uris: JSON.stringify([consoleRedirectUri(issuer)]),
    post_logout_redirect_uris: JSON.stringify([consoleUrl(issuer)]),
  };
  await db.insertInto('applications').values({
    id: consoleClientId,
    name: 'Sesame console',
    description: 'Built in: the admin console at /console.',
    ...settings,
    // Its only origin is the issuer's, which its redirect URI already allows.
    cors_origins: '[]',
  }).onConflict((oc) => oc.column('id').doUpdateSet(settings)).execute();
}
