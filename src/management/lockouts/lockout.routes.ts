import { z } from 'zod';
import type { Db } from '../../db/database.ts';
import type { Principal } from '../../http/bearer-auth.ts';
import { clientIp } from '../../http/client-ip.ts';
import { defineRoute, type Route } from '../../http/route.ts';
import type { BlockRow } from '../../throttle/throttle.repository.ts';
import type { Throttle } from '../../throttle/throttle.service.ts';
import { getUser } from '../../users/user.service.ts';
import { idParam } from '../common.schema.ts';
import { userParams } from '../users/user.schema.ts';
import { lockoutSchema } from './lockout.schema.ts';

/** Blocks in force (src/throttle/): who may not try a password or secret again until when, and lifting them. */

const toApiLockout = (row: BlockRow): z.input<typeof lockoutSchema> => ({
  policy: row.policy as z.input<typeof lockoutSchema>['policy'],
  account_key: row.account_key,
  user_id: row.user_id,
  client_id: row.client_id,
  ip: row.ip,
  failures: row.failures,
  blocked_until: new Date(row.blocked_until).toISOString(),
  started_at: new Date(row.created_at).toISOString(),
});

const principalName = (principal: Principal | undefined) =>
  principal ? (principal.kind === 'user' ? `user:${principal.userId}` : `app:${principal.clientId}`) : undefined;

export interface LockoutRouteDeps {
  db: Db;
  throttle: Throttle;
}

export function lockoutRoutes({ db, throttle }: LockoutRouteDeps): Route[] {
  return [
    defineRoute({
      method: 'get', path: '/lockouts', tag: 'Lockouts', operationId: 'listLockouts',
      summary: 'List blocks in force',
      description: 'Every block that now refuses attempts (a correct password or secret included), latest end first, at most 1000: per account, per account and IP, per device, per IP, per client secret, setup link and sign-up. Filter by `user_id`.',
      query: z.object({ user_id: idParam('User ID').optional() }),
      response: z.object({ data: z.array(lockoutSchema) }),
      async handle({ query }) {
        return { data: (await throttle.activeBlocks({ userId: query.user_id })).map(toApiLockout) };
      },
    }),
    defineRoute({
      method: 'delete', path: '/users/:id/lockout', tag: 'Lockouts', operationId: 'unlockUser',
      summary: 'Lift a user\'s lockout',
      description: 'Lifts every block on the user\'s username and email, from any IP or device, and starts their counts again. Recorded as the audit event `account.unlocked`. Lifting nothing is not an error.',
      params: userParams,
      response: z.object({ lifted: z.array(lockoutSchema) }),
      problems: [404],
      async handle({ params, ctx }) {
        const user = await getUser(db, params.id);
        const lifted = await throttle.unlockUser(user, {
          ip: clientIp(ctx.req, ctx.app.proxy), userAgent: ctx.get('user-agent'), by: principalName(ctx.state.principal as Principal | undefined),
        });
        return { lifted: lifted.map(toApiLockout) };
      },
    }),
  ];
}
