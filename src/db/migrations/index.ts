import type { SesameMigration } from '../migration.ts';
import * as initial from './2026-11-23-0001-initial.ts';
import * as managementAccess from './2026-11-24-0001-management-access.ts';
import * as resourcesRolesConsent from './2026-11-24-0002-resources-roles-consent.ts';
import * as oidcPayloadJson from './2026-11-25-0001-oidc-payload-json.ts';
import * as consoleSetupSignInExperience from './2026-11-26-0001-console-setup-sign-in-experience.ts';
import * as changeNotifications from './2026-11-27-0001-change-notifications.ts';
import * as oidcLookupColumns from './2026-11-30-0001-oidc-lookup-columns.ts';
import * as throttling from './2026-11-30-0002-throttling.ts';
import * as canonicalIdentities from './2026-11-30-0003-canonical-identities.ts';
import * as auditEventFilters from './2026-12-01-0001-audit-event-filters.ts';
import * as setupSignIns from './2026-12-01-0002-setup-sign-ins.ts';
import * as scopeDescriptionTranslations from './2026-12-01-0003-scope-description-translations.ts';
import * as emailAndRecovery from './2026-12-01-0004-email-and-recovery.ts';
import * as sessionsAndLogout from './2026-12-01-0005-sessions-and-logout.ts';
import * as secondFactors from './2026-12-01-0006-second-factors.ts';
import * as dynamicApps from './2026-12-02-0100-dynamic-apps.ts';
import * as registrationTokens from './2026-12-02-0101-registration-tokens.ts';
import * as appVerifiedDomain from './2026-12-02-0200-app-verified-domain.ts';
import * as deviceFlow from './2026-12-02-0300-device-flow.ts';
import * as dpopAndDefaultResource from './2026-12-02-0400-dpop-and-default-resource.ts';
import * as consents from './2026-12-02-0500-consents.ts';
import * as consentPolicy from './2026-12-02-0501-consent-policy.ts';
import * as revocationBound from './2026-12-02-0600-revocation-bound.ts';
import * as appAccessUses from './2026-12-02-0601-app-access-uses.ts';
import * as consentDurations from './2026-12-02-0602-consent-durations.ts';
import * as registrationDefaultPermissions from './2026-12-02-0800-registration-default-permissions.ts';
import * as artifactChangeNotifications from './2026-12-03-0100-artifact-change-notifications.ts';

/** Every migration, by name; names sort by date. */
export const migrations: Record<string, SesameMigration> = {
  '2026-11-23-0001-initial': initial,
  '2026-11-24-0001-management-access': managementAccess,
  '2026-11-24-0002-resources-roles-consent': resourcesRolesConsent,
  '2026-11-25-0001-oidc-payload-json': oidcPayloadJson,
  '2026-11-26-0001-console-setup-sign-in-experience': consoleSetupSignInExperience,
  '2026-11-27-0001-change-notifications': changeNotifications,
  '2026-11-30-0001-oidc-lookup-columns': oidcLookupColumns,
  '2026-11-30-0002-throttling': throttling,
  '2026-11-30-0003-canonical-identities': canonicalIdentities,
  '2026-12-01-0001-audit-event-filters': auditEventFilters,
  '2026-12-01-0002-setup-sign-ins': setupSignIns,
  '2026-12-01-0003-scope-description-translations': scopeDescriptionTranslations,
  '2026-12-01-0004-email-and-recovery': emailAndRecovery,
  '2026-12-01-0005-sessions-and-logout': sessionsAndLogout,
  '2026-12-01-0006-second-factors': secondFactors,
  '2026-12-02-0100-dynamic-apps': dynamicApps,
  '2026-12-02-0101-registration-tokens': registrationTokens,
  '2026-12-02-0200-app-verified-domain': appVerifiedDomain,
  '2026-12-02-0300-device-flow': deviceFlow,
  '2026-12-02-0400-dpop-and-default-resource': dpopAndDefaultResource,
  '2026-12-02-0500-consents': consents,
  '2026-12-02-0501-consent-policy': consentPolicy,
  '2026-12-02-0600-revocation-bound': revocationBound,
  '2026-12-02-0601-app-access-uses': appAccessUses,
  '2026-12-02-0602-consent-durations': consentDurations,
  '2026-12-02-0800-registration-default-permissions': registrationDefaultPermissions,
  '2026-12-03-0100-artifact-change-notifications': artifactChangeNotifications,
};
