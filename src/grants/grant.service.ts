import { recordAuditEvent } from '../audit/audit.repository.ts';
import type { Db } from '../db/database.ts';
import { assertThat, ServiceError } from '../errors.ts';
import { getUser } from '../users/user.service.ts';
import type { AccessTokenDefaults } from '../apps/access-token-lifetime.ts';
import { revocationBounds } from './revocation-bound.ts';
import { findGrantsOfUser, revokeGrantsOfUserForApp, type GrantPayload } from './grant.repository.ts';

/** What a user granted one app, merged over the app's live grants (a native app may hold several). */
export interface UserGrant {
  clientId: string;
  applicationName: string | null;
  thirdParty: boolean | null;
  userScopes: string[];
  resourceScopes: { resource: string; scopes: string[] }[];
  /** The earliest grant's `iat`. */
  grantedAt: Date | null;
  /** Seconds *Revoke access* may take to stop the app (a JWT access token for an API lives on until it expires); 0: at once. */
  revocationBound: number;
}

const split = (scope: string | undefined) => (scope ?? '').split(' ').filter(Boolean);

/** One app's share of a user's grants, merged (a native app may hold several). */
export interface MergedGrant {
  clientId: string;
  userScopes: Set<string>;
  resourceScopes: Map<string, Set<string>>;
  /** The earliest grant's `iat`. */
  grantedAt: Date | undefined;
}

/** Merges a user's grants per app, in the order the apps first appear (newest first, as findGrantsOfUser lists them). */
export function mergeGrantsPerApp(grants: GrantPayload[]): MergedGrant[] {
  return [...new Set(grants.map((g) => g.clientId))].map((clientId) => {
    const mine = grants.filter((g) => g.clientId === clientId);
    const resourceScopes = new Map<string, Set<string>>();
    for (const grant of mine) {
      for (const [indicator, scope] of Object.entries(grant.resources ?? {})) {
        resourceScopes.set(indicator, new Set([...(resourceScopes.get(indicator) ?? []), ...split(scope)]));
      }
    }
    const iats = mine.map((g) => g.iat).filter((iat): iat is number => typeof iat === 'number');
    return {
      clientId,
      userScopes: new Set(mine.flatMap((g) => split(g.openid?.scope))),
      resourceScopes,
      grantedAt: iats.length ? new Date(Math.min(...iats) * 1000) : undefined,
    };
  });
}

export async function listUserGrants(db: Db, defaults: AccessTokenDefaults, userId: string): Promise<UserGrant[]> {
  await getUser(db, userId);
  const merged = mergeGrantsPerApp(await findGrantsOfUser(db, userId));
  if (!merged.length) return [];
  const apps = await db.selectFrom('applications').select(['id', 'name', 'display_name', 'third_party'])
    .where('id', 'in', merged.map((m) => m.clientId)).execute();
  const bounds = await revocationBounds(db, defaults, merged.map((m) => ({ clientId: m.clientId, resources: [...m.resourceScopes.keys()] })));
  return merged.map(({ clientId, userScopes, resourceScopes, grantedAt }) => {
    const app = apps.find((a) => a.id === clientId);
    return {
      clientId,
      applicationName: app ? app.display_name ?? app.name : null,
      thirdParty: app?.third_party ?? null,
      userScopes: [...userScopes].sort(),
      resourceScopes: [...resourceScopes].map(([resource, scopes]) => ({ resource, scopes: [...scopes].sort() })),
      grantedAt: grantedAt ?? null,
      revocationBound: bounds.get(clientId) ?? 0,
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
 * Ends a user's access for an app, whoever asks (the person on /account, an admin through the API or the CLI):
 * its refresh tokens, opaque access tokens and codes die at once, and the next sign-in asks for consent again.
 * Recorded as `consent.revoked` when there was something to revoke. Returns how many grants ended.
 */
export async function revokeAppAccess(db: Db, userId: string, clientId: string, by: 'user' | 'admin', actor: Actor = {}): Promise<number> {
  const revoked = await revokeGrantsOfUserForApp(db, userId, clientId);
  if (revoked === 0) return 0;
  const principal = actor.principal;
  await recordAuditEvent(db, {
    type: 'consent.revoked',
    userId,
    clientId,
    ip: actor.ip,
    userAgent: actor.userAgent,
    details: {
      by,
      ...(principal ? { actor: principal.kind === 'user' ? { user_id: principal.userId, client_id: principal.clientId } : { client_id: principal.clientId } } : {}),
    },
  });
  return revoked;
}

/** An admin ends a user's grant for an app; a user or grant that does not exist is a 404. */
export async function revokeUserGrant(db: Db, userId: string, clientId: string, actor: Actor = {}): Promise<void> {
  await getUser(db, userId);
  const revoked = await revokeAppAccess(db, userId, clientId, 'admin', actor);
  assertThat(revoked > 0, () => new ServiceError('grant.not_found', `user ${userId} has no grant for the app ${JSON.stringify(clientId)}`, 404));
}
