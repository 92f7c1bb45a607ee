import { ServiceError } from '../errors.ts';

/** The account page's client (src/account) and the admin console's (src/console). */
export const accountClientId = 'sesame-account';
export const consoleClientId = 'sesame-console';

/**
 * Sesame's own apps (the account page and the console) are clients like any other, but Sesame creates and
 * repairs them at start: admins see them through GET, never in lists, and cannot change or delete them.
 */
export const builtInAppIds: readonly string[] = [accountClientId, consoleClientId];

export function assertNotBuiltIn(id: string): void {
  if (builtInAppIds.includes(id)) {
    throw new ServiceError('application.built_in', `${id} is built into Sesame and cannot be changed or deleted`, 409);
  }
}
