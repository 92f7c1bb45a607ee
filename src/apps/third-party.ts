import type { Db } from '../db/database.ts';
import type { Application } from '../db/tables.ts';
import { assertThat, ServiceError } from '../errors.ts';
import { getApplication } from './app.service.ts';

/**
 * Whether an app is third-party: asked for consent, held to its allowlist, never given management access. A flag
 * that is missing or not a boolean reads as third-party, the safe side: an app is first-party only when it says so.
 */
export function isThirdParty(app: object | null | undefined): boolean {
  if (!app) return true;
  // A row of the applications table names it `third_party`; its client metadata (apps/app-types.ts), `sesame/third_party`.
  const fields = app as Record<string, unknown>;
  return ('third_party' in fields ? fields.third_party : fields['sesame/third_party']) !== false;
}

/**
 * Permissions and branding belong to third-party apps only (DESIGN.md §4): a first-party app is consented
 * automatically and shows no consent screen, and a machine-to-machine app has no user at all.
 */
export async function getThirdPartyApplication(db: Db, id: string, what: string): Promise<Application> {
  const application = await getApplication(db, id);
  assertThat(isThirdParty(application), () => new ServiceError(
    'application.not_third_party',
    application.type === 'm2m'
      ? `a machine-to-machine app acts for no user, so it has no ${what}`
      : `only third-party apps have ${what}; first-party apps are consented automatically`,
    422,
  ));
  return application;
}
