import type { Middleware } from 'koa';
import { settleWaitingConsume } from './adapter.ts';

/**
 * A request that consumed a code or refresh token waits for its next write to carry the consume
 * (src/oidc/adapter.ts). One that wrote nothing after it — its token request failed on the way, say — has the
 * consume made before its answer leaves. Should another request have consumed the artifact first, a successful answer
 * becomes `invalid_grant`; should the database fail, `server_error`: what a consume made at once would have answered.
 */
export const settleConsumes: Middleware = async function settleWaitingConsumes(ctx, next) {
  try {
    await next();
  } catch (error) {
    await settleWaitingConsume(ctx).catch(() => false);
    throw error;
  }
  const succeeded = ctx.status < 400;
  const answer = await settleWaitingConsume(ctx).then(
    (made) => (made ? undefined : { status: 400, error: 'invalid_grant', error_description: 'grant request is invalid' }),
    () => ({ status: 500, error: 'server_error', error_description: 'oops! something went wrong' }),
  );
  if (!answer || !succeeded) return;
  const { status, ...body } = answer;
  ctx.status = status;
  ctx.body = body;
  ctx.set('Cache-Control', 'no-store');
};
