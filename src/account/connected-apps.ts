import type { AccessTokenDefaults } from '../apps/access-token-lifetime.ts';
import { isPreapproved } from '../consents/consent-policy.ts';
import { listConsentsOfUser } from '../consents/consent.service.ts';
import type { Db } from '../db/database.ts';
import { findAccessUses } from '../grants/access-use.repository.ts';
import { revocationBounds } from '../grants/revocation-bound.ts';
import { scopeLabel, type Translate } from '../i18n/locale.ts';
import { oidcScopes } from '../oidc/claims.ts';
import type { ConnectedApp } from '../pages/account.page.ts';
import { describeResourceScopes } from '../permissions/permission.repository.ts';

export interface ConnectedAppsDeps {
  db: Db;
  accessTokenDefaults: AccessTokenDefaults;
}

/**
 * The third-party apps a user consented to (their consent records), in the person's language: what each may do,
 * until when, when it last used its access and for which APIs, and how soon revoking it takes effect.
 */
export async function connectedApps({ db, accessTokenDefaults }: ConnectedAppsDeps, userId: string, { t, locale }: { t: Translate; locale: string }): Promise<ConnectedApp[]> {
  const merged = (await listConsentsOfUser(db, userId)).map((c) => ({
    clientId: c.clientId,
    userScopes: c.scopes,
    resourceScopes: Object.entries(c.resourceScopes),
    grantedAt: c.grantedAt,
    expiresAt: c.expiresAt,
  }));
  if (!merged.length) return [];
  const [apps, uses, bounds] = await Promise.all([
    db.selectFrom('applications')
      .select(['id', 'name', 'display_name', 'logo_url', 'logo_dark_url', 'consent_policy', 'preapproved_scopes'])
      .where('id', 'in', merged.map((m) => m.clientId)).where('third_party', '=', true).execute(),
    findAccessUses(db, userId),
    revocationBounds(db, accessTokenDefaults, merged.map((m) => ({ clientId: m.clientId, resources: m.resourceScopes.map(([indicator]) => indicator) }))),
  ]);
  const used = new Map(uses.map((u) => [u.clientId, u]));
  const indicators = [...new Set([...merged.flatMap((m) => m.resourceScopes.map(([indicator]) => indicator)), ...uses.flatMap((u) => u.resources)])];
  const resources = await describeResourceScopes(db, indicators, locale);
  return apps.map((app) => {
    const { userScopes, resourceScopes, grantedAt, expiresAt } = merged.find((m) => m.clientId === app.id)!;
    // `openid` is implied by any access at all; the page lists what it reaches.
    const preapproved = (value: string) => isPreapproved(app, value);
    const userData = [...userScopes].filter((s) => s !== 'openid').map((s) => ({ value: s, label: scopeLabel(t, s), preapproved: preapproved(s) }));
    const resourceData = [...resourceScopes].flatMap(([indicator, scopes]) => [...scopes].map((s) => ({
      value: `${indicator} ${s}`,
      label: resources.get(indicator)?.scopes.get(s) ?? `${resources.get(indicator)?.name ?? indicator}: ${s}`,
      preapproved: preapproved(`${indicator} ${s}`),
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
      expiresAt: expiresAt ?? undefined,
      lastUsedAt: current?.lastUsedAt,
      apis: (current?.resources ?? []).map((indicator) => resources.get(indicator)?.name ?? indicator),
      revocationBound: bounds.get(app.id) ?? 0,
    };
  });
}

/**
 * A permission (`email`, `INDICATOR SCOPE`) in the person's language, as Connected apps lists it; undefined for
 * one Sesame does not know, so a crafted link cannot put its own words on the page.
 */
export async function permissionLabel(db: Db, { t, locale }: { t: Translate; locale: string }, permission: string): Promise<string | undefined> {
  if (!permission.includes(' ')) return (oidcScopes as readonly string[]).includes(permission) ? scopeLabel(t, permission) : undefined;
  const [indicator, scope] = permission.split(' ', 2) as [string, string];
  return (await describeResourceScopes(db, [indicator], locale)).get(indicator)?.scopes.get(scope);
}
