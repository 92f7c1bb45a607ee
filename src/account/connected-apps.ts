import type { Db } from '../db/database.ts';
import { listConsentsOfUser } from '../consents/consent.service.ts';
import { scopeLabel, type Translate } from '../i18n/locale.ts';
import type { ConnectedApp } from '../pages/account.page.ts';
import { describeResourceScopes } from '../permissions/permission.repository.ts';

/** The third-party apps a user consented to (their consent records), with what each may access, in the person's language. */
export async function connectedApps(db: Db, userId: string, { t, locale }: { t: Translate; locale: string }): Promise<ConnectedApp[]> {
  const merged = (await listConsentsOfUser(db, userId)).map((c) => ({
    clientId: c.clientId,
    userScopes: c.scopes,
    resourceScopes: Object.entries(c.resourceScopes),
    grantedAt: c.grantedAt,
  }));
  if (!merged.length) return [];
  const apps = await db.selectFrom('applications')
    .select(['id', 'name', 'display_name', 'logo_url', 'logo_dark_url'])
    .where('id', 'in', merged.map((m) => m.clientId)).where('third_party', '=', true).execute();
  const resources = await describeResourceScopes(db, [...new Set(merged.flatMap((m) => m.resourceScopes.map(([indicator]) => indicator)))], locale);
  return apps.map((app) => {
    const { userScopes, resourceScopes, grantedAt } = merged.find((m) => m.clientId === app.id)!;
    // `openid` is implied by any access at all; the page lists what it reaches.
    const userData = [...userScopes].filter((s) => s !== 'openid').map((s) => scopeLabel(t, s));
    const resourceData = [...resourceScopes].flatMap(([indicator, scopes]) => [...scopes].map((s) =>
      resources.get(indicator)?.scopes.get(s) ?? `${resources.get(indicator)?.name ?? indicator}: ${s}`));
    return {
      clientId: app.id,
      name: app.display_name ?? app.name,
      logoUrl: app.logo_url,
      logoDarkUrl: app.logo_dark_url,
      permissions: [...userData, ...new Set(resourceData)],
      grantedAt,
    };
  });
}
