import type { Application } from '../../db/tables.ts';
import type { GuideResource, GuideScope, ProviderFacts } from './context.ts';

/**
 * The scopes an app may ask for (DESIGN.md §4), as a developer reads them: each OpenID Connect scope with the
 * claims it releases, and each API resource with its scopes.
 */

const alwaysAllowed = ['openid', 'offline_access'];

function describe(scope: string, claimsByScope: ProviderFacts['claimsByScope']): string {
  if (scope === 'openid') return 'Required to sign in: the ID token, whose `sub` is the user\'s stable ID';
  if (scope === 'offline_access') return 'A refresh token, to keep access while the user is away';
  const claims = claimsByScope[scope] ?? [];
  return claims.length ? `Claims: ${claims.map((c) => `\`${c}\``).join(', ')}` : scope;
}

/** The OpenID Connect scopes: all of them for a first-party app, `openid`, `offline_access` and the allowlist for a third-party one. */
export function userScopesOf(app: Application, allowlist: readonly string[], claimsByScope: ProviderFacts['claimsByScope']): GuideScope[] {
  if (app.type === 'm2m') return [];
  const all = [...alwaysAllowed, ...Object.keys(claimsByScope).filter((s) => !alwaysAllowed.includes(s))];
  const allowed = app.third_party ? all.filter((s) => alwaysAllowed.includes(s) || allowlist.includes(s)) : all;
  return allowed.map((name) => ({ name, description: describe(name, claimsByScope) }));
}

/** Resource scopes as rows of (indicator, resource name, scope, description), grouped by resource. */
export function groupResources(rows: readonly { indicator: string; resourceName: string; scope: string | null; description: string | null }[]): GuideResource[] {
  const byIndicator = new Map<string, GuideResource>();
  for (const row of rows) {
    const resource = byIndicator.get(row.indicator) ?? { indicator: row.indicator, name: row.resourceName, scopes: [] };
    if (row.scope !== null) resource.scopes.push({ name: row.scope, description: row.description || row.scope });
    byIndicator.set(row.indicator, resource);
  }
  return [...byIndicator.values()];
}

/** Notes under the scopes: how the app's kind narrows them. */
export function scopeNotes(app: Application, resources: GuideResource[], managementIndicator: string): string[] {
  const notes: string[] = [];
  if (app.type === 'm2m') {
    notes.push('A machine-to-machine app acts for itself: it asks for API scopes with `grant_type=client_credentials`, naming the API with `resource` and the scopes it needs in `scope`. It gets those an admin allowed under Permissions, and the response\'s `scope` lists them; asking only for scopes that are not allowed fails with `invalid_scope`.');
    if (!resources.length) notes.push('No API is allowed for this app yet: an admin grants it API scopes (or Management API access), then its tokens carry them.');
    return notes;
  }
  if (app.third_party) {
    notes.push('Asking for an OpenID Connect scope that is not listed fails with `invalid_scope`; an admin allows more under Permissions. The user sees each one on the consent screen and may untick all but `openid`.');
  }
  if (resources.length) {
    notes.push('For an API, add `resource=<indicator>` to the authorization request (RFC 8707) and its scopes to `scope`. A user gets only the API scopes a role gives them.');
    notes.push('The token endpoint decides which access token you get by the `resource` you send there. Without it: a token for the userinfo endpoint, what client libraries expect by default, so fetching userinfo just works. With `resource=<indicator>`: a JWT (RFC 9068) for that API, whose `aud` is the indicator and whose `scope` holds the API scopes granted (the ID token then carries the profile claims). With `offline_access`, the refresh token gives either at any time: refresh with `resource` for the API token, without it for a userinfo token. Without a refresh token, send `resource` at the code exchange and read the profile from the ID token.');
  }
  if (resources.some((r) => r.indicator === managementIndicator)) {
    notes.push('The Management API\'s `management` scope is given only to signed-in admins.');
  }
  return notes;
}
