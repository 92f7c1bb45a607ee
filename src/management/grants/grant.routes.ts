import { z } from 'zod';
import type { AccessTokenDefaults } from '../../apps/access-token-lifetime.ts';
import type { Db } from '../../db/database.ts';
import { listUserGrants, revokeUserGrant } from '../../grants/grant.service.ts';
import { clientIp } from '../../http/client-ip.ts';
import type { Principal } from '../../http/bearer-auth.ts';
import { defineRoute, type Route } from '../../http/route.ts';
import { idParam } from '../common.schema.ts';
import { userParams } from '../users/user.schema.ts';
import { userGrantSchema } from './grant.schema.ts';

/** An admin's view of what users granted apps (the Connected apps of /account), and revoking it. */

const grantParams = userParams.extend({ clientId: idParam('Client ID') });

export interface GrantRouteDeps {
  db: Db;
  accessTokenDefaults: AccessTokenDefaults;
}

const tag = 'Users';

export function grantRoutes({ db, accessTokenDefaults }: GrantRouteDeps): Route[] {
  return [
    defineRoute({
      method: 'get', path: '/users/:id/grants', tag, operationId: 'listUserGrants',
      summary: 'List what a user granted apps',
      description: 'One entry per app with a live grant, what it was granted, and when (the earliest grant).',
      params: userParams,
      response: z.object({ data: z.array(userGrantSchema) }),
      problems: [404],
      async handle({ params }) {
        const grants = await listUserGrants(db, accessTokenDefaults, params.id);
        return {
          data: grants.map((g) => ({
            client_id: g.clientId,
            application_name: g.applicationName,
            third_party: g.thirdParty,
            user_scopes: g.userScopes,
            resource_scopes: g.resourceScopes,
            granted_at: g.grantedAt?.toISOString() ?? null,
            revocation_bound_seconds: g.revocationBound,
          })),
        };
      },
    }),
    defineRoute({
      method: 'delete', path: '/users/:id/grants/:clientId', tag, operationId: 'revokeUserGrant',
      summary: 'Revoke a user\'s grant for an app',
      description: 'Its refresh tokens, opaque access tokens and codes stop working at once, JWT access tokens for APIs within `revocation_bound_seconds` of the list (they expire); the next sign-in asks for consent again. Recorded as the audit event `consent.revoked`.',
      params: grantParams,
      problems: [404],
      async handle({ params, ctx }) {
        await revokeUserGrant(db, params.id, params.clientId, {
          ip: clientIp(ctx.req, ctx.app.proxy),
          userAgent: ctx.get('user-agent') || undefined,
          principal: ctx.state.principal as Principal | undefined,
        });
      },
    }),
  ];
}
