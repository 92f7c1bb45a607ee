import { listConsentsOfUser, revokeConsent, type Actor } from '../consents/consent.service.ts';
import type { Db } from '../db/database.ts';
import { assertThat, ServiceError } from '../errors.ts';
import { getUser } from '../users/user.service.ts';
import type { AccessTokenDefaults } from '../apps/access-token-lifetime.ts';
import { revocationBounds } from './revocation-bound.ts';
import { findGrantsOfUser, type GrantPayload } from './grant.repository.ts';

export type { Actor };

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

/**
 * What a user allowed apps: a third-party app's consent record (src/consents/), and a first-party app's live
 * grants (consented automatically, they have no record). One entry per app, newest first.
 */
export async function listUserGrants(db: Db, defaults: AccessTokenDefaults, userId: string): Promise<UserGrant[]> {
  await getUser(db, userId);
  const consents = await listConsentsOfUser(db, userId);
  const merged: MergedGrant[] = consents.map((c) => ({
    clientId: c.clientId,
    userScopes: new Set(c.scopes),
    resourceScopes: new Map(Object.entries(c.resourceScopes).map(([indicator, scopes]) => [indicator, new Set(scopes)])),
    grantedAt: c.grantedAt,
  }));
  const thirdPartyIds = new Set((await db.selectFrom('applications').select('id').where('third_party', '=', true).execute()).map((a) => a.id));
  merged.push(...mergeGrantsPerApp(await findGrantsOfUser(db, userId)).filter((m) => !thirdPartyIds.has(m.clientId)));
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

/**
 * Ends a user's access for an app, whoever asks (the person on /account, an admin through the API or the CLI): the
 * consent, and its refresh tokens, opaque access tokens and codes at once; the next sign-in asks for consent again.
 * Recorded as `consent.revoked` when there was something to revoke. Answers whether there was.
 */
export async function revokeAppAccess(db: Db, userId: string, clientId: string, by: 'user' | 'admin', actor: Actor = {}): Promise<boolean> {
  return revokeConsent(db, userId, clientId, { by, reason: 'revoked', actor });
}

/** An admin ends a user's grant for an app; a user or grant that does not exist is a 404. */
export async function revokeUserGrant(db: Db, userId: string, clientId: string, actor: Actor = {}): Promise<void> {
  await getUser(db, userId);
  const revoked = await revokeAppAccess(db, userId, clientId, 'admin', actor);
  assertThat(revoked, () => new ServiceError('grant.not_found', `user ${userId} has no grant for the app ${JSON.stringify(clientId)}`, 404));
}
