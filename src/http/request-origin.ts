import type { Context } from 'koa';
import { clientIp } from './client-ip.ts';

/** Where a request came from, as the audit trail records it; the IP as throttling sees it (client-ip.ts). */
export function requestOrigin(ctx: Pick<Context, 'req' | 'get' | 'app'>): { ip: string; userAgent: string } {
  return { ip: clientIp(ctx.req, ctx.app.proxy), userAgent: ctx.get('user-agent') };
}
