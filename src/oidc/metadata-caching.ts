import type { Middleware } from 'koa';

/**
 * Discovery and the public keys are read by every app on every start and by every verifier; caches may keep
 * them for a while. Discovery changes only with Sesame's configuration. The keys change at a rotation, whose
 * new key signs at once: a verifier that meets an unknown `kid` fetches the keys again (jose, openid-client
 * do), so a cached copy must not outlive the time the nodes themselves take to notice the rotation
 * (SESAME_KEY_REFRESH_SECONDS), or that refetch would get the stale set from a shared cache.
 */
export function metadataCaching(paths: { discovery: string; jwks: string }, keyRefreshSeconds: number): Middleware {
  const maxAge = new Map([[paths.discovery, 300], [paths.jwks, Math.min(300, keyRefreshSeconds)]]);
  return async function setMetadataCaching(ctx, next) {
    await next();
    const seconds = maxAge.get(ctx.path);
    if (seconds !== undefined && ctx.status === 200) ctx.set('Cache-Control', `public, max-age=${seconds}`);
  };
}
