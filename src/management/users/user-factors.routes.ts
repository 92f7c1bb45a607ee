import type { Db } from '../../db/database.ts';
import { requestOrigin } from '../../http/request-origin.ts';
import { defineRoute, type Route } from '../../http/route.ts';
import { listFactors, resetFactors } from '../../mfa/factors.service.ts';
import { getUser } from '../../users/user.service.ts';
import { userParams } from './user.schema.ts';
import { factorsResetSchema, toApiFactors, userFactorsSchema } from './user-factors.schema.ts';

/** A user's second factors and passkeys, and an admin's reset of them. */

const tag = 'Users';

export function userFactorRoutes({ db }: { db: Db }): Route[] {
  return [
    defineRoute({
      method: 'get', path: '/users/:id/factors', tag, operationId: 'getUserFactors',
      summary: 'List a user\'s second factors',
      description: 'The authenticator app, passkeys and how many recovery codes are left; never a secret.',
      params: userParams,
      response: userFactorsSchema,
      problems: [404],
      async handle({ params }) {
        await getUser(db, params.id);
        return toApiFactors(await listFactors(db, params.id));
      },
    }),
    defineRoute({
      method: 'delete', path: '/users/:id/factors', tag, operationId: 'resetUserFactors',
      summary: 'Reset a user\'s second factors',
      description: 'Removes the authenticator app, every passkey and every recovery code: the user signs in with their password again, and sets up a second factor when the policy asks for one. Recorded as the audit event `mfa.reset`.',
      params: userParams,
      response: factorsResetSchema,
      problems: [404],
      async handle({ params, ctx }) {
        await getUser(db, params.id);
        const removed = await resetFactors(db, params.id, { by: 'admin', origin: requestOrigin(ctx) });
        return { totp: removed.totp, passkeys: removed.passkeys, recovery_codes: removed.recoveryCodes };
      },
    }),
  ];
}
