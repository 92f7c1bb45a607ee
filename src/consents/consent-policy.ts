import type { ConsentContent } from './consent.repository.ts';

/**
 * How a third-party app's users are asked (issue 15 §4), set by an admin per app:
 * - `ask`: the consent screen at every sign-in (what an admin pre-approved is shown marked, and cannot be unticked);
 * - `remember` (default): asked once, then remembered; a native app is still asked every time (RFC 8252 §8.6),
 *   unless everything it asks for is pre-approved;
 * - `preapproved`: the admin consents for everyone to whatever the app's allowlist lets it ask: no screen, native
 *   apps included.
 * Admin consent (`preapproved_scopes`) pre-approves chosen permissions under `ask` and `remember`: they are granted
 * without a decision of the person, and a sign-in asking for nothing else shows no screen.
 */
export const consentPolicies = ['ask', 'remember', 'preapproved'] as const;
export type ConsentPolicy = (typeof consentPolicies)[number];

/** What the client metadata carries of it (src/apps/client-metadata.ts). */
export interface ConsentPolicyOfClient {
  'sesame/consent_policy'?: unknown;
  'sesame/preapproved'?: unknown;
}

export function policyOf(client: ConsentPolicyOfClient): ConsentPolicy {
  const policy = client['sesame/consent_policy'];
  return consentPolicies.includes(policy as ConsentPolicy) ? policy as ConsentPolicy : 'remember';
}

/** A consent-screen value: a user data scope, or `INDICATOR SCOPE`. */
export const permissionValue = (scope: string, indicator?: string) => (indicator === undefined ? scope : `${indicator} ${scope}`);

/** What a request asks for: OpenID Connect scopes and, per API resource, the scopes it may get. */
export interface Requested {
  scopes: string[];
  resourceScopes: Record<string, string[]>;
}

/** The part of a request the admin pre-approved for every user. */
export function preapprovedPart(client: ConsentPolicyOfClient, requested: Requested): ConsentContent {
  if (policyOf(client) === 'preapproved') return { scopes: [...requested.scopes], claims: [], resourceScopes: { ...requested.resourceScopes } };
  const approved = new Set(Array.isArray(client['sesame/preapproved']) ? client['sesame/preapproved'] as string[] : []);
  return {
    // openid goes with any pre-approval: it is what signing in is.
    scopes: requested.scopes.filter((s) => approved.has(s) || (s === 'openid' && approved.size > 0)),
    claims: [],
    resourceScopes: Object.fromEntries(Object.entries(requested.resourceScopes)
      .map(([indicator, scopes]) => [indicator, scopes.filter((s) => approved.has(permissionValue(s, indicator)))] as const)
      .filter(([, scopes]) => scopes.length)),
  };
}

/**
 * Whether an admin approved a permission (a consent-screen value) of the app for everyone: under `preapproved`, all
 * it may ask. Such a permission is the admin's decision, not the person's: /account shows it marked and offers no
 * *Remove* for it (it would come back at the next sign-in); *Revoke access* still ends the whole connection.
 */
export function isPreapproved(app: { consent_policy: string; preapproved_scopes: readonly string[] }, value: string): boolean {
  return app.consent_policy === 'preapproved' || app.preapproved_scopes.includes(value);
}

/** Whether `part` holds everything `requested` asks for. */
export function coversAll(part: ConsentContent, requested: Requested): boolean {
  return requested.scopes.every((s) => part.scopes.includes(s))
    && Object.entries(requested.resourceScopes).every(([indicator, scopes]) => scopes.every((s) => part.resourceScopes[indicator]?.includes(s)));
}

export const isEmpty = (content: ConsentContent) => !content.scopes.length && !Object.values(content.resourceScopes).some((s) => s.length);

export function union(a: ConsentContent, b: ConsentContent): ConsentContent {
  const resources: Record<string, string[]> = {};
  for (const [indicator, scopes] of [...Object.entries(a.resourceScopes), ...Object.entries(b.resourceScopes)]) {
    resources[indicator] = [...new Set([...(resources[indicator] ?? []), ...scopes])];
  }
  return { scopes: [...new Set([...a.scopes, ...b.scopes])], claims: [...new Set([...a.claims, ...b.claims])], resourceScopes: resources };
}

/** `a` without what `b` holds (claims stay). */
export function minus(a: ConsentContent, b: ConsentContent): ConsentContent {
  return {
    scopes: a.scopes.filter((s) => !b.scopes.includes(s)),
    claims: a.claims,
    resourceScopes: Object.fromEntries(Object.entries(a.resourceScopes)
      .map(([indicator, scopes]) => [indicator, scopes.filter((s) => !b.resourceScopes[indicator]?.includes(s))] as const)
      .filter(([, scopes]) => scopes.length)),
  };
}

export const contentValues = (content: ConsentContent) => [
  ...content.scopes,
  ...Object.entries(content.resourceScopes).flatMap(([indicator, scopes]) => scopes.map((s) => permissionValue(s, indicator))),
];
