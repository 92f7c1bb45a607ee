import type { Provider } from 'oidc-provider';
import type { Db } from '../db/database.ts';
import { scopeLabel, type Translate } from '../i18n/locale.ts';
import { oidcScopes } from '../oidc/claims.ts';
import { describeResourceScopes } from '../permissions/permission.repository.ts';
import type { ConsentGroup } from '../pages/consent.page.ts';
import { consentPolicyAsk } from '../oidc/interaction-policy.ts';
import { loopbackHosts } from '../apps/redirect-uri.ts';

type Details = Awaited<ReturnType<Provider['interactionDetails']>>;
type Grant = InstanceType<Provider['Grant']>;

const isOidcScope = (scope: string) => (oidcScopes as readonly string[]).includes(scope);

/**
 * One permission on the consent screen: a user data scope, or a scope of an API resource. `preapproved`: an admin
 * approved it for every user, so it is shown marked and cannot be unticked.
 */
export type ConsentItem = ({ kind: 'oidc'; scope: string } | { kind: 'resource'; indicator: string; scope: string }) & { preapproved?: boolean };

export function itemValue(item: ConsentItem): string {
  return item.kind === 'oidc' ? item.scope : `${item.indicator} ${item.scope}`;
}

/** What the consent prompt says the grant lacks (oidc-provider's `prompt.details`). */
export interface MissingDetails {
  missingOIDCScope?: string[];
  missingOIDCClaims?: string[];
  missingResourceScopes?: Record<string, string[]>;
}

/**
 * What the screen asks for. Normally only what the app was not yet granted; for a native app (asked every
 * time, RFC 8252 §8.6), with the app's policy `ask`, and with prompt=consent, everything the request asks for.
 * What an admin pre-approved (`preapproved`, consent-screen values) and the request asks for is shown too, marked.
 */
export function consentItems(details: Details, grant: Grant | undefined, preapproved: ReadonlySet<string> = new Set()): ConsentItem[] {
  const missing = details.prompt.details as MissingDetails;
  const reasons = details.prompt.reasons;
  const everything = reasons.includes('native_client_prompt') || reasons.includes('consent_prompt') || reasons.includes(consentPolicyAsk);
  const requested = String(details.params.scope ?? '').split(' ').filter(Boolean);
  const granted = new Set(grant?.getOIDCScope().split(' ') ?? []);
  const missingOidc = new Set(missing.missingOIDCScope ?? []);
  const isPreapproved = (value: string) => preapproved.has(value);

  const oidc = requested.filter((s) => isOidcScope(s)
    && (s === 'openid' || missingOidc.has(s) || ((everything || isPreapproved(s)) && granted.has(s))));

  const resources = new Map<string, Set<string>>();
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) resources.set(indicator, new Set(scopes));
  if (grant) {
    const wanted = new Set(requested.filter((s) => !isOidcScope(s)));
    for (const indicator of [details.params.resource].flat().filter((r): r is string => typeof r === 'string')) {
      const held = grant.getResourceScope(indicator).split(' ')
        .filter((s) => wanted.has(s) && (everything || isPreapproved(`${indicator} ${s}`)));
      if (held.length) resources.set(indicator, new Set([...(resources.get(indicator) ?? []), ...held]));
    }
  }
  const items: ConsentItem[] = [
    ...oidc.map((scope): ConsentItem => ({ kind: 'oidc', scope })),
    ...[...resources].flatMap(([indicator, scopes]) => [...scopes].sort().map((scope): ConsentItem => ({ kind: 'resource', indicator, scope }))),
  ];
  return items.map((item) => (item.kind === 'oidc' && item.scope === 'openid') || !isPreapproved(itemValue(item)) ? item : { ...item, preapproved: true });
}

/**
 * The items grouped and worded for the page in the person's language (`locale`, which `t` speaks): the user's
 * data first, then one group per API resource.
 */
export async function consentGroups(
  db: Db,
  { t, locale }: { t: Translate; locale: string },
  items: ConsentItem[],
  /** The APIs the authorization names (`resource`): each is shown, with its host, even with no permission asked. */
  resources: readonly string[] = [],
): Promise<ConsentGroup[]> {
  const userItems = items.filter((i) => i.kind === 'oidc');
  const byResource = new Map<string, ConsentItem[]>(resources.map((indicator) => [indicator, []]));
  for (const item of items) if (item.kind === 'resource') byResource.set(item.indicator, [...(byResource.get(item.indicator) ?? []), item]);
  const described = await describeResourceScopes(db, [...byResource.keys()], locale);
  const groups: ConsentGroup[] = [];
  if (userItems.length) {
    groups.push({
      title: t('consent.userData'),
      permissions: userItems.map((item) => ({
        value: itemValue(item),
        label: scopeLabel(t, item.scope),
        required: item.scope === 'openid',
        preapproved: item.preapproved,
      })),
    });
  }
  for (const [indicator, resourceItems] of byResource) {
    const resource = described.get(indicator);
    const host = URL.parse(indicator)?.host;
    groups.push({
      title: t('consent.resource', { resource: resource?.name ?? indicator }),
      notes: [
        ...(host ? [t('consent.resourceHost', { host })] : []),
        ...(resourceItems.length ? [] : [t('consent.audienceOnly')]),
      ],
      permissions: resourceItems.map((item) => ({ value: itemValue(item), label: resource?.scopes.get(item.scope) ?? item.scope, preapproved: item.preapproved })),
    });
  }
  return groups;
}

function without(scope: string | undefined, removed: Set<string>): string {
  return (scope ?? '').split(' ').filter((s) => s && !removed.has(s)).join(' ');
}

/**
 * Records the person's choice on the grant: ticked items are granted (and no longer rejected), unticked ones
 * are taken away and rejected, so the token carries exactly what was ticked. `openid` cannot be unticked.
 * Returns the items as decided, for the audit trail.
 */
export function applyConsent(grant: Grant, items: ConsentItem[], ticked: Set<string>, claims: string[] = []): { accepted: ConsentItem[]; refused: ConsentItem[] } {
  const g = grant as Grant & { openid?: { scope?: string }; resources?: Record<string, string>; rejected?: { openid?: { scope?: string }; resources?: Record<string, string> } };
  const accepted = items.filter((i) => (i.kind === 'oidc' && i.scope === 'openid') || i.preapproved || ticked.has(itemValue(i)));
  const refused = items.filter((i) => !accepted.includes(i));
  const scopesOf = (list: ConsentItem[], indicator?: string) => new Set(list
    .filter((i) => (indicator === undefined ? i.kind === 'oidc' : i.kind === 'resource' && i.indicator === indicator))
    .map((i) => i.scope));

  const acceptedOidc = scopesOf(accepted);
  const refusedOidc = scopesOf(refused);
  if (g.openid?.scope) g.openid.scope = without(g.openid.scope, refusedOidc);
  if (g.rejected?.openid?.scope) g.rejected.openid.scope = without(g.rejected.openid.scope, acceptedOidc);
  if (acceptedOidc.size) grant.addOIDCScope([...acceptedOidc].join(' '));
  if (refusedOidc.size) grant.rejectOIDCScope([...refusedOidc].join(' '));
  if (claims.length) grant.addOIDCClaims(claims);

  for (const indicator of new Set(items.flatMap((i) => (i.kind === 'resource' ? [i.indicator] : [])))) {
    const yes = scopesOf(accepted, indicator);
    const no = scopesOf(refused, indicator);
    if (g.resources?.[indicator]) g.resources[indicator] = without(g.resources[indicator], no);
    if (g.rejected?.resources?.[indicator]) g.rejected.resources[indicator] = without(g.rejected.resources[indicator], yes);
    if (yes.size) grant.addResourceScope(indicator, [...yes].join(' '));
    if (no.size) grant.rejectResourceScope(indicator, [...no].join(' '));
  }
  return { accepted, refused };
}

/** Where the person goes after deciding: the origin of a web redirect, the whole URI of a custom scheme. */
export function describeDestination(redirectUri: string): string {
  try {
    const url = new URL(redirectUri);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.origin : redirectUri;
  } catch {
    return redirectUri;
  }
}

/** What the consent screen says about where the answer goes and who the app is (MCP authorization, issue 14). */
export interface ConsentTrust {
  /** The redirect URI's host (with its port), or the whole URI of a custom scheme: shown prominently. */
  host: string;
  /** The redirect goes to a loopback host: the app runs on a device, and anyone there could be it. */
  loopback: boolean;
  /** The domain an admin verified for the app, when the app sends people there or names itself there. */
  verifiedDomain?: string;
  /** The app arrived by itself (dynamic registration or a metadata document) and nobody verified its domain. */
  unverified: boolean;
}

const isOnDomain = (host: string, domain: string) => host === domain || host.endsWith(`.${domain}`);

export function consentTrust(
  app: { id: string; verified_domain: string | null },
  redirectUri: string,
  selfRegistered: boolean,
): ConsentTrust {
  const url = URL.parse(redirectUri);
  const web = url?.protocol === 'https:' || url?.protocol === 'http:';
  const host = web ? url.host : redirectUri;
  const loopback = web && (loopbackHosts.has(url.hostname) || /^127\.\d+\.\d+\.\d+$/.test(url.hostname));
  // A metadata document's URL is the app's name, so its host vouches for the app as much as the redirect's does.
  const namedAt = URL.parse(app.id)?.protocol === 'https:' ? URL.parse(app.id)!.hostname : undefined;
  const domain = app.verified_domain ?? undefined;
  const verified = domain !== undefined && [web && !loopback ? url.hostname : undefined, namedAt].some((h) => h !== undefined && isOnDomain(h, domain));
  return { host, loopback, ...(verified ? { verifiedDomain: domain } : {}), unverified: selfRegistered && !verified };
}

/** Only what needs saying changes the screen: an admin's own app sending people to its site looks as it always did. */
export function trustWorthShowing(trust: ConsentTrust): boolean {
  return trust.loopback || trust.unverified || trust.verifiedDomain !== undefined;
}
