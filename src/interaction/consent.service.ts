import type { Provider } from 'oidc-provider';
import { recordAuditEvent } from '../audit/audit.repository.ts';
import { findConsent, recordConsent } from '../consents/consent.service.ts';
import type { Db } from '../db/database.ts';
import type { Application } from '../db/tables.ts';
import { appConnectedEmail } from '../email/compose.ts';
import type { EmailBrand } from '../email/email-layout.ts';
import type { Translate } from '../i18n/locale.ts';
import type { RecoveryDeps } from '../recovery/recovery-deps.ts';
import { findUserById } from '../users/user.repository.ts';
import { applyConsent, consentGroups, consentItems, itemValue, type ConsentItem, type MissingDetails } from './consent.ts';
import { consentExpiry, type ConsentDuration } from './consent-duration.ts';

export interface ConsentDeps {
  db: Db;
  provider: () => Provider;
  /** How long a decision is remembered (SESAME_GRANT_TTL). */
  consentTtlSeconds: number;
  /** Email: the notice of a new app connected to the account. */
  recovery: Pick<RecoveryDeps, 'mailer' | 'issuer'>;
}

/** The page the person decided on: its language and look, which the notice email takes, and the app's name. */
export interface ConsentLetter {
  locale: string;
  t: Translate;
  brand: EmailBrand;
  appName: string;
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
 * to the audit trail as `consent.granted`; for as long as they chose, when the app lets them choose
 * (src/interaction/consent-duration.ts): *for this time only* grants this authorization and remembers nothing.
 * When the person had no consent for the app (their first, or the first since they revoked it), the app is new to
 * the account: they are told by email, with a link to revoke it (issue 15 §3). Returns the grant's id.
 */
export async function decideConsent(
  { db, provider, consentTtlSeconds, recovery }: ConsentDeps,
  details: Details,
  app: Application,
  decision: { ticked: Set<string>; duration: ConsentDuration | undefined },
  origin: { ip: string; userAgent: string },
  letter: ConsentLetter,
): Promise<string> {
  const userId = details.session!.accountId;
  const clientId = clientIdOf(details);
  const known = await findConsent(db, userId, clientId);
  const grant = await grantFor(provider(), details);
  const preapproved = preapprovedValues(app, details);
  const items = consentItems(details, grant, preapproved);
  const missingClaims = (details.prompt.details as MissingDetails).missingOIDCClaims ?? [];
  // Staying connected outlasts "this time": it is not granted for a decision that is not remembered.
  const ticked = decision.duration === 'once' ? new Set([...decision.ticked].filter((v) => v !== 'offline_access')) : decision.ticked;
  const { accepted, refused } = applyConsent(grant, items, ticked, missingClaims);
  const grantId = await grant.save();
  const words = (scope: string | undefined) => (scope ?? '').split(' ').filter(Boolean);
  const decided = { granted: accepted.map(itemValue), refused: refused.map(itemValue) };
  if (decision.duration === 'once') {
    await recordAuditEvent(db, { type: 'consent.granted', userId, clientId, ...origin, details: { ...decided, duration: 'once' } });
  } else {
    // The person's record holds what they decided; what an admin pre-approved is added at each sign-in while it
    // lasts, so withdrawing it asks them again.
    const notPreapproved = (scope: string, indicator?: string) => !preapproved.has(indicator === undefined ? scope : `${indicator} ${scope}`);
    await recordConsent(db, {
      userId,
      clientId,
      content: {
        scopes: words(grant.openid?.scope).filter((s) => s === 'openid' || notPreapproved(s)),
        claims: [...(grant.openid?.claims ?? [])],
        resourceScopes: Object.fromEntries(Object.entries(grant.resources ?? {})
          .map(([indicator, scope]) => [indicator, words(scope).filter((s) => notPreapproved(s, indicator))])),
      },
      expiresAt: consentExpiry(decision.duration, consentTtlSeconds),
      decided,
    }, origin);
  }
  if (!known) await noticeNewApp({ db, recovery }, userId, accepted, letter);
  return grantId;
}

/** "A new app was connected to your account", when the person has an address and Sesame can send email. */
async function noticeNewApp({ db, recovery }: Pick<ConsentDeps, 'db' | 'recovery'>, userId: string, accepted: ConsentItem[], letter: ConsentLetter): Promise<void> {
  if (!recovery.mailer.available) return;
  const user = await findUserById(db, userId);
  if (!user?.email) return;
  const groups = await consentGroups(db, letter, accepted);
  const notice = appConnectedEmail({ locale: letter.locale, brand: letter.brand, username: user.username }, {
    app: letter.appName,
    permissions: groups.flatMap((g) => g.permissions.map((p) => p.label)),
    link: `${recovery.issuer}/account`,
  });
  await recovery.mailer.send({ ...notice, kind: 'app_connected', to: user.email, locale: letter.locale, userId, productName: letter.brand.productName });
}
