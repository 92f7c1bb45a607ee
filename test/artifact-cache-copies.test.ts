import { PGlite } from '@electric-sql/pglite';
import type { AdapterPayload } from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedChangeFeed } from '../src/db/change-feed.ts';
import { ArtifactCache } from '../src/oidc/artifact-cache.ts';

/**
 * oidc-provider changes the payloads it is given, so the node's copy of an artifact (src/oidc/artifact-cache.ts)
 * hands each caller one of its own, equal to what a read of the row gives: a change a caller makes, or one made to
 * the object it was kept from, never reaches the next caller. Driven by a real change feed (PGlite's), live.
 */
describe('The node\'s copies of artifacts', () => {
  let embedded: PGlite;
  let changes: EmbeddedChangeFeed;
  let cache: ArtifactCache;
  const inAnHour = { expires_at: new Date(Date.now() + 3_600_000) };

  beforeAll(async () => {
    embedded = await PGlite.create();
    changes = new EmbeddedChangeFeed(embedded);
    await changes.start();
    cache = new ArtifactCache(changes);
  });
  afterAll(async () => {
    cache?.close();
    await changes?.stop();
    await embedded?.close();
  });

  const token = (): AdapterPayload => ({
    kind: 'AccessToken', jti: 'token-1', accountId: 'user-1', clientId: 'app-1', grantId: 'grant-1',
    scope: 'openid profile', extra: { tenant: 'north' }, claims: { userinfo: { email: null } }, jkt: undefined,
  });

  it('gives every caller a copy of its own', () => {
    const kept = token();
    cache.keep('AccessToken', 'token-1', kept, inAnHour, cache.stamp());
    kept.scope = 'changed after it was kept';
    (kept.extra as Record<string, unknown>).tenant = 'south';

    const first = cache.find('AccessToken', 'token-1')!;
    expect(first).toEqual(JSON.parse(JSON.stringify(token())));
    first.scope = 'changed by a caller';
    (first.extra as Record<string, unknown>).tenant = 'east';
    (first.claims as { userinfo: Record<string, unknown> }).userinfo.name = null;

    expect(cache.find('AccessToken', 'token-1')).toEqual(JSON.parse(JSON.stringify(token())));
  });

  it('holds what the row would: a field without a value is absent, as after a read of the row', () => {
    cache.keep('AccessToken', 'token-2', { ...token(), jti: 'token-2' }, inAnHour, cache.stamp());
    expect(cache.find('AccessToken', 'token-2')).not.toHaveProperty('jkt');
  });

  it('finds a session by its id only while that is still its id, each time a copy of its own', () => {
    const session = { kind: 'Session', uid: 'uid-1', jti: 'session-id-1', accountId: 'user-1', authorizations: { 'app-1': { sid: 'sid-1' } } };
    cache.keepSession('uid-1', session, inAnHour, cache.stamp());
    const found = cache.find('Session', 'session-id-1')!;
    (found.authorizations as Record<string, unknown>)['app-2'] = { sid: 'sid-2' };
    expect(cache.find('Session', 'session-id-1')).toEqual(session);
    expect(cache.findSession('uid-1')).toEqual(session);

    cache.keepSession('uid-1', { ...session, jti: 'session-id-2' }, inAnHour, cache.stamp());
    expect(cache.find('Session', 'session-id-1')).toBeUndefined();
    expect(cache.find('Session', 'session-id-2')).toEqual({ ...session, jti: 'session-id-2' });
  });
});
