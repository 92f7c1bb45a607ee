import type { Db } from '../db/database.ts';
import { upsertBuiltInApplication } from '../apps/app.repository.ts';
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
  await upsertBuiltInApplication(db, {
    id: consoleClientId,
    name: 'Sesame console',
    description: 'Built in: the admin console at /console.',
    type: 'spa',
    managementAccess: true,
    redirectUris: [consoleRedirectUri(issuer)],
    postLogoutRedirectUris: [consoleUrl(issuer)],
  });
}
