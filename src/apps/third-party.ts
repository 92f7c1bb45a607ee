import type { Db } from '../db/database.ts';
import type { Application } from '../db/tables.ts';
import { assertThat, ServiceError } from '../errors.ts';
import { getApplication } from './app.service.ts';

/**
 * Permissions and branding belong to third-party apps only (DESIGN.md §4): a first-party app is consented
 * automatically and shows no consent screen, and a machine-to-machine app has no user at all.
 */
export async function getThirdPartyApplication(db: Db, id: string, what: string): Promise<Application> {
  const application = await getApplication(db, id);
  assertThat(application.third_party, () => new ServiceError(
    'application.not_third_party',
    application.type === 'm2m'
      ? `a machine-to-machine app acts for no user, so it has no ${what}`
      : `only third-party apps have ${what}; first-party apps are consented automatically`,
    422,
  ));
  return application;
}
