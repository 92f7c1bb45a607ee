import type { AccessTokenDefaults } from '../apps/access-token-lifetime.ts';
import type { Db } from '../db/database.ts';
import { findAccessUses } from '../grants/access-use.repository.ts';
import { findGrantsOfUser } from '../grants/grant.repository.ts';
import { mergeGrantsPerApp } from '../grants/grant.service.ts';
import { revocationBounds } from '../grants/revocation-bound.ts';
import { scopeLabel, type Translate } from '../i18n/locale.ts';
import type { ConnectedApp } from '../pages/account.page.ts';
import { describeResourceScopes } from '../permissions/permission.repository.ts';

export interface ConnectedAppsDeps {
  db: Db;
  accessTokenDefaults: AccessTokenDefaults;
}

/**
 * The third-party apps a user granted access, merged per app, in the person's language: what each may do, when it
 * last used its access and for which APIs, and how soon revoking it takes effect.
 */
export async function connectedApps({ db, accessTokenDefaults }: ConnectedAppsDeps, userId: string, { t, locale }: { t: Translate; locale: string }): Promise<ConnectedApp[]> {
  const merged = mergeGrantsPerApp(await findGrantsOfUser(db, userId));
  if (!merged.length) return [];
  const [apps, uses, bounds] = await Promise.all([
    db.selectFrom('applications')
      .select(['id', 'name', 'display_name', 'logo_url', 'logo_dark_url'])
      .where('id', 'in', merged.map((m) => m.clientId)).where('third_party', '=', true).execute(),
    findAccessUses(db, userId),
    revocationBounds(db, accessTokenDefaults, merged.map((m) => ({ clientId: m.clientId, resources: [...m.resourceScopes.keys()] }))),
  ]);
  const used = new Map(uses.map((u) => [u.clientId, u]));
  const indicators = [...new Set([...merged.flatMap((m) => [...m.resourceScopes.keys()]), ...uses.flatMap((u) => u.resources)])];
  const resources = await describeResourceScopes(db, indicators, locale);
  return apps.map((app) => {
    const { userScopes, resourceScopes, grantedAt } = merged.find((m) => m.clientId === app.id)!;
    // `openid` is implied by any access at all; the page lists what it reaches.
    const userData = [...userScopes].filter((s) => s !== 'openid').map((s) => ({ value: s, label: scopeLabel(t, s) }));
    const resourceData = [...resourceScopes].flatMap(([indicator, scopes]) => [...scopes].map((s) => ({
      value: `${indicator} ${s}`,
      label: resources.get(indicator)?.scopes.get(s) ?? `${resources.get(indicator)?.name ?? indicator}: ${s}`,
    })));
    // Use recorded before this connection (access revoked, then allowed again) is not this connection's.
    const use = used.get(app.id);
    const current = use && (!grantedAt || use.lastUsedAt.getTime() >= grantedAt.getTime()) ? use : undefined;
    return {
      clientId: app.id,
      name: app.display_name ?? app.name,
      logoUrl: app.logo_url,
      logoDarkUrl: app.logo_dark_url,
      permissions: [...userData, ...resourceData],
      grantedAt,
      lastUsedAt: current?.lastUsedAt,
      apis: (current?.resources ?? []).map((indicator) => resources.get(indicator)?.name ?? indicator),
      revocationBound: bounds.get(app.id) ?? 0,
    };
  });
}
