import { findApplication } from '../apps/app.repository.ts';
import { allowedCorsOrigins } from '../apps/redirect-uri.ts';
import type { ChangeFeed, Change } from '../db/change-feed.ts';
import type { Db } from '../db/database.ts';
import type { Application, User, UserDataScope } from '../db/tables.ts';
import {
  allowedResourceScopes, allowedUserScopes, findResourceByIndicator, type ResourceScopeRef,
} from '../permissions/permission.repository.ts';
import { findBlockEnd } from '../throttle/throttle.repository.ts';
import { findUserById } from '../users/user.repository.ts';
import { LookupCache, type Invalidatable } from './lookup-cache.ts';

export type RegisteredResource = NonNullable<Awaited<ReturnType<typeof findResourceByIndicator>>>;

export interface SecretHash {
  secret_hash: string;
  expires_at: Date | null;
}

/**
 * What every token request reads and admins rarely change — apps, their secrets and allowlists, API resources,
 * users — kept in this node's memory and dropped the moment a change to their rows is heard (DESIGN.md §6: no
 * cache without invalidation). Codes, tokens, sessions and grants are not kept here: the tokens userinfo and
 * introspection check have a cache of their own (src/oidc/artifact-cache.ts), and the rest is read every time.
 */
export interface Directory {
  application(id: string): Promise<Application | undefined>;
  /** The hashes of an app's client secrets, expired ones included. */
  secretHashes(applicationId: string): Promise<readonly SecretHash[]>;
  userScopes(applicationId: string): Promise<readonly UserDataScope[]>;
  /** The API resource scopes on an app's allowlist, of every resource. */
  resourceScopes(applicationId: string): Promise<readonly ResourceScopeRef[]>;
  resource(indicator: string): Promise<RegisteredResource | undefined>;
  user(id: string): Promise<User | undefined>;
  /** Every origin some app may call Sesame's endpoints from (DESIGN.md §3). */
  corsOrigins(): Promise<ReadonlySet<string>>;
  /** When a throttled subject's block ends or ended (src/throttle/), null when it has none: asked before every secret check. */
  blockEnd(key: string): Promise<Date | null>;
  /** Stops following changes. */
  close(): void;
}

const ttlMs = 5 * 60 * 1000;

export function createDirectory(db: Db, changes: ChangeFeed): Directory {
  const options = (max: number) => ({ max, ttlMs, live: () => changes.live });
  const applications = new LookupCache((id) => findApplication(db, id), options(10_000));
  const secrets = new LookupCache(
    (id) => db.selectFrom('application_secrets').select(['secret_hash', 'expires_at']).where('application_id', '=', id).execute(),
    options(10_000),
  );
  const userScopes = new LookupCache((id) => allowedUserScopes(db, id), options(10_000));
  const resourceScopes = new LookupCache((id) => allowedResourceScopes(db, id), options(10_000));
  const resources = new LookupCache((indicator) => findResourceByIndicator(db, indicator), options(1_000));
  const users = new LookupCache((id) => findUserById(db, id), options(10_000));
  const corsOrigins = new LookupCache(async () => {
    const apps = await db.selectFrom('applications').select(['redirect_uris', 'cors_origins']).execute();
    return { origins: new Set(apps.flatMap((app) => [...allowedCorsOrigins(app.redirect_uris, app.cors_origins)])) };
  }, options(1));
  // "Not blocked" is the common answer and is kept too (as `until: null`): it is what every token request asks.
  const blockEnds = new LookupCache(async (key) => ({ until: await findBlockEnd(db, key) }), options(10_000));

  // Caches keyed by the changed row's key, and caches any change to the table empties.
  const appKeyed = [applications, secrets, userScopes, resourceScopes];
  const dependents: Record<string, { keyed: Invalidatable[]; whole: Invalidatable[] }> = {
    // Deleting an app deletes its secrets and allowlists with it.
    applications: { keyed: appKeyed, whole: [corsOrigins] },
    application_secrets: { keyed: [secrets], whole: [] },
    application_user_scopes: { keyed: [userScopes], whole: [] },
    application_resource_scopes: { keyed: [resourceScopes], whole: [] },
    // Allowlists are stored by scope id but cached with the resource's indicator and scope names.
    api_resources: { keyed: [], whole: [resources, resourceScopes] },
    api_resource_scopes: { keyed: [], whole: [resources, resourceScopes] },
    users: { keyed: [users], whole: [] },
    throttle_blocks: { keyed: [blockEnds], whole: [] },
  };
  const all = [applications, secrets, userScopes, resourceScopes, resources, users, corsOrigins, blockEnds];

  const unsubscribe = changes.subscribe({
    changed({ table, key }: Change) {
      const affected = dependents[table];
      if (!affected) return;
      for (const cache of affected.keyed) {
        if (key === undefined) cache.clear();
        else cache.invalidate(key);
      }
      for (const cache of affected.whole) cache.clear();
    },
    lost() {
      for (const cache of all) cache.clear();
    },
  });

  return {
    application: (id) => applications.get(id),
    secretHashes: async (id) => (await secrets.get(id)) ?? [],
    userScopes: async (id) => (await userScopes.get(id)) ?? [],
    resourceScopes: async (id) => (await resourceScopes.get(id)) ?? [],
    resource: (indicator) => resources.get(indicator),
    user: (id) => users.get(id),
    corsOrigins: async () => (await corsOrigins.get(''))!.origins,
    blockEnd: async (key) => (await blockEnds.get(key))!.until,
    close: unsubscribe,
  };
}
