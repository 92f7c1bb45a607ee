import type { IncomingMessage } from 'node:http';
import type { Context, Middleware } from 'koa';
import type { Logger } from '../logger.ts';
import { defaultSignInExperience, type SignInExperience, type SignInExperienceSource } from './sign-in-experience.service.ts';

/** Where the experience rides on the raw request, for pages oidc-provider renders with a context of its own. */
const onRequest = Symbol('sesame.signInExperience');

/**
 * Reads the sign-in experience for a page request (from this node's short-lived cache) into `ctx.state`,
 * where pages and sendPage find it. If the database cannot be read, the pages fall back to Sesame's own look
 * rather than failing.
 */
export function loadSignInExperience(source: SignInExperienceSource, logger: Logger): Middleware {
  return async function applySignInExperience(ctx, next) {
    let experience: SignInExperience;
    try {
      experience = await source.get();
    } catch (error) {
      logger.warn({ err: error }, 'sign-in experience unavailable; using the defaults');
      experience = defaultSignInExperience;
    }
    ctx.state.signInExperience = experience;
    (ctx.req as IncomingMessage & { [onRequest]?: SignInExperience })[onRequest] = experience;
    await next();
  };
}

/** The request's sign-in experience, or the defaults outside the paths that load it. */
export function signInExperienceOf(ctx: Pick<Context, 'state' | 'req'>): SignInExperience {
  return (ctx.state?.signInExperience as SignInExperience | undefined)
    ?? (ctx.req as IncomingMessage & { [onRequest]?: SignInExperience })[onRequest]
    ?? defaultSignInExperience;
}
