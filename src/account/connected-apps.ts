import type { Db } from '../db/database.ts';
import { findGrantsOfUser } from '../grants/grant.repository.ts';
import type { Translate } from '../i18n/locale.ts';
import { en, type MessageKey } from '../i18n/locales/en.ts';
import type { ConnectedApp } from '../pages/account.page.ts';
import { describeResourceScopes } from '../permissions/permission.repository.ts';

/** Words for a granted scope: a user data scope's translation, or an API resource scope's description. */
export function describeUserScope(t: Translate, scope: string): string | undefined {
  if (scope === 'openid') return undefined;
  const key = `scope.${scope}`;
  return key in en ? t(key as MessageKey) : scope;
}

/** The third-party apps a user granted access, merged per app, with what each may access. */
export async function connectedApps(db: Db, userId: string, t: Translate): Promise<ConnectedApp[]> {
  const grants = await findGrantsOfUser(db, userId);
  if (!grants.length) return [];
  const clientIds = [...new Set(grants.map((g) => g.clientId))];
  const apps = await db.selectFrom('applications')
    .select(['id', 'name', 'display_name', 'logo_url', 'logo_dark_url'])
    .where('id', 'in', clientIds).where('third_party', '=', true).execute();
  const resources = await describeResourceScopes(db, [...new Set(grants.flatMap((g) => Object.keys(g.resources ?? {})))]);
  return apps.map((app) => {
    const mine = grants.filter((g) => g.clientId === app.id);
    const userScopes = new Set(mine.flatMap((g) => (g.openid?.scope ?? '').split(' ').filter(Boolean)));
    const resourceScopes = mine.flatMap((g) => Object.entries(g.resources ?? {}).flatMap(([indicator, scope]) =>
      scope.split(' ').filter(Boolean).map((s) => resources.get(indicator)?.scopes.get(s) ?? `${resources.get(indicator)?.name ?? indicator}: ${s}`)));
    const iats = mine.map((g) => g.iat).filter((iat): iat is number => typeof iat === 'number');
    return {
      clientId: app.id,
      name: app.display_name ?? app.name,
      logoUrl: app.logo_url,
      logoDarkUrl: app.logo_dark_url,
      permissions: [...[...userScopes].map((s) => describeUserScope(t, s)).filter((d): d is string => !!d), ...new Set(resourceScopes)],
      grantedAt: iats.length ? new Date(Math.min(...iats) * 1000) : undefined,
    };
  });
}
