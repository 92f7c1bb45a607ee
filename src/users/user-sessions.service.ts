import type { Db } from '../db/database.ts';
import { revokeUserArtifacts } from './user.repository.ts';

/**
 * Ends everything that keeps a person signed in: every Sesame session of the account, and every grant, refresh
 * token, access token and code issued for it (the account page's own sign-in among them, src/account/). The one
 * call for every path that must sign a person out everywhere: a password reset or change, suspension, deletion,
 * an admin's new password. Runs in the caller's transaction when given one, so the change that demands it and
 * the sign-out commit together.
 */
export async function endAllSessions(db: Db, userId: string): Promise<void> {
  await revokeUserArtifacts(db, userId);
}
