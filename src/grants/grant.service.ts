import { recordAuditEvent } from '../audit/audit.repository.ts';
import type { Db } from '../db/database.ts';
import { isStorableText } from '../db/text.ts';
import { assertThat, ServiceError } from '../errors.ts';
import { getUser } from '../users/user.service.ts';
import { findGrantsOfUser, revokeGrantsOfUserForApp } from './grant.repository.ts';

/** What a user granted one app, merged over the app's live grants (a native app may hold several). */
export interface UserGrant {
  clientId: string;
  applicationName: string | null;
  thirdParty: boolean | null;
  userScopes: string[];
  resourceScopes: { resource: string; scopes: string[] }[];
  /** The earliest grant's `iat`. */
  grantedAt: Date | null;
}

const split = (scope: string | undefined) => (scope ?? '').split(' ').filter(Boolean);

export async function listUserGrants(db: Db, userId: string): Promise<UserGrant[]> {
  await getUser(db, userId);
  const grants = await findGrantsOfUser(db, userId);
  if (!grants.length) return [];
  const clientIds = [...new Set(grants.map((g) => g.clientId))];
  const apps = await db.selectFrom('applications').select(['id', 'name', 'display_name', 'third_party'])
    .where('id', 'in', clientIds).execute();
  return clientIds.map((clientId) => {
    const mine = grants.filter((g) => g.clientId === clientId);
    const app = apps.find((a) => a.id === clientId);
    const resources = new Map<string, Set<string>>();
    for (const grant of mine) {
      for (const [indicator, scope] of Object.entries(grant.resources ?? {})) {
        const set = resources.get(indicator) ?? new Set<string>();
        for (const s of split(scope)) set.add(s);
        resources.set(indicator, set);
      }
    }
    const iats = mine.map((g) => g.iat).filter((iat): iat is number => typeof iat === 'number');
    return {
      clientId,
      applicationName: app ? app.display_name ?? app.name : null,
      thirdParty: app?.third_party ?? null,
      userScopes: [...new Set(mine.flatMap((g) => split(g.openid?.scope)))].sort(),
      resourceScopes: [...resources].map(([resource, scopes]) => ({ resource, scopes: [...scopes].sort() })),
      grantedAt: iats.length ? new Date(Math.min(...iats) * 1000) : null,
    };
  });
}

export interface Actor {
  ip?: string;
  userAgent?: string;
  /** Who acted through the Management API: an admin user, or an m2m app. */
  principal?: { kind: 'user'; userId: string; clientId: string } | { kind: 'application'; clientId: string };
}

/**
 * An admin ends a user's grant for an app: its refresh tokens, opaque access tokens and codes die at once, and
 * the next sign-in asks for consent again. Recorded as `consent.revoked`.
 */
export async function revokeUserGrant(db: Db, userId: string, clientId: string, actor: Actor = {}): Promise<void> {
  await getUser(db, userId);
  const revoked = isStorableText(clientId) ? await revokeGrantsOfUserForApp(db, userId, clientId) : 0;
  assertThat(revoked > 0, () => new ServiceError('grant.not_found', `user ${userId} has no grant for the app ${JSON.stringify(clientId)}`, 404));
  const principal = actor.principal;
  await recordAuditEvent(db, {
    type: 'consent.revoked',
    userId,
    clientId,
    ip: actor.ip,
    userAgent: actor.userAgent,
    details: {
      by: 'admin',
      ...(principal ? { actor: principal.kind === 'user' ? { user_id: principal.userId, client_id: principal.clientId } : { client_id: principal.clientId } } : {}),
    },
  });
}
