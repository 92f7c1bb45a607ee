import type { Context } from 'koa';
import type { Actor } from '../consents/consent.service.ts';
import type { Principal } from './bearer-auth.ts';
import { requestOrigin } from './request-origin.ts';

/** Who calls the Management API, as audit events name them: where from, and the admin or app the token is for. */
export function managementActor(ctx: Context): Actor {
  const { ip, userAgent } = requestOrigin(ctx);
  return { ip, userAgent: userAgent || undefined, principal: ctx.state.principal as Principal | undefined };
}
