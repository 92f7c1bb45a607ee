import type { Provider } from 'oidc-provider';
import { recordConsent } from '../consents/consent.service.ts';
import type { Db } from '../db/database.ts';
import type { Application } from '../db/tables.ts';
import { applyConsent, consentItems, itemValue, type ConsentItem, type MissingDetails } from './consent.ts';

export interface ConsentDeps {
  db: Db;
  provider: () => Provider;
  /** How long a decision is remembered (SESAME_GRANT_TTL). */
  consentTtlSeconds: number;
}

type Details = Awaited<ReturnType<Provider['interactionDetails']>>;

const clientIdOf = (details: Details) => String(details.params.client_id);

/** The grant the consent screen extends: the one the request carries, or a new one. */
async function grantFor(provider: Provider, details: Details) {
  return (details.grantId && await provider.Grant.find(details.grantId))
    || new provider.Grant({ accountId: details.session!.accountId, clientId: clientIdOf(details) });
}

/** What an admin pre-approved of this request, as consent-screen values (src/consents/consent-policy.ts). */
export function preapprovedValues(app: Pick<Application, 'consent_policy' | 'preapproved_scopes'>, details: Details): Set<string> {
  if (app.consent_policy !== 'preapproved') return new Set(app.preapproved_scopes);
  const requested = String(details.params.scope ?? '').split(' ').filter(Boolean);
  const resources = [details.params.resource].flat().filter((r): r is string => typeof r === 'string');
  return new Set([...requested, ...resources.flatMap((indicator) => requested.map((s) => `${indicator} ${s}`))]);
}

/** What the consent screen asks a person about (see consentItems). */
export async function permissionsToAsk({ provider }: Pick<ConsentDeps, 'provider'>, details: Details, app: Application): Promise<ConsentItem[]> {
  return consentItems(details, await grantFor(provider(), details), preapprovedValues(app, details));
}

/** First-party apps are consented automatically: grants what the prompt says is missing. Returns the grant's id. */
export async function consentAutomatically({ provider }: Pick<ConsentDeps, 'provider'>, details: Details): Promise<string> {
  const grant = await grantFor(provider(), details);
  const missing = details.prompt.details as MissingDetails;
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, resourceScopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(indicator, resourceScopes.join(' '));
  return grant.save();
}

/**
 * A person decides on a third-party app's consent screen: what they ticked is granted, the rest refused. The
 * decision becomes the person's consent record (src/consents/), which outlives this grant and its tokens, and goes
 * to the audit trail as `consent.granted`. Returns the grant's id.
 */
export async function decideConsent(
  { db, provider, consentTtlSeconds }: ConsentDeps,
  details: Details,
  app: Application,
  ticked: Set<string>,
  origin: { ip: string; userAgent: string },
): Promise<string> {
  const grant = await grantFor(provider(), details);
  const preapproved = preapprovedValues(app, details);
  const items = consentItems(details, grant, preapproved);
  const missingClaims = (details.prompt.details as MissingDetails).missingOIDCClaims ?? [];
  const { accepted, refused } = applyConsent(grant, items, ticked, missingClaims);
  const grantId = await grant.save();
  const words = (scope: string | undefined) => (scope ?? '').split(' ').filter(Boolean);
  // The person's record holds what they decided; what an admin pre-approved is added at each sign-in while it
  // lasts, so withdrawing it asks them again.
  const notPreapproved = (scope: string, indicator?: string) => !preapproved.has(indicator === undefined ? scope : `${indicator} ${scope}`);
  await recordConsent(db, {
    userId: details.session!.accountId,
    clientId: clientIdOf(details),
    content: {
      scopes: words(grant.openid?.scope).filter((s) => s === 'openid' || notPreapproved(s)),
      claims: [...(grant.openid?.claims ?? [])],
      resourceScopes: Object.fromEntries(Object.entries(grant.resources ?? {})
        .map(([indicator, scope]) => [indicator, words(scope).filter((s) => notPreapproved(s, indicator))])),
    },
    expiresAt: new Date(Date.now() + consentTtlSeconds * 1000),
    decided: { granted: accepted.map(itemValue), refused: refused.map(itemValue) },
  }, origin);
  return grantId;
}
