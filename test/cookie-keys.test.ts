import { randomBytes } from 'node:crypto';
import Keygrip from 'keygrip';
import { describe, expect, it } from 'vitest';
import { CookieKeys } from '../src/oidc/cookie-keys.ts';

/**
 * oidc-provider's cookies are signed by src/oidc/cookie-keys.ts instead of Keygrip, the library Koa and oidc-provider
 * default to. A browser's cookies signed before the change (a session lasts two weeks) must still be taken, and
 * cookies it signs must be what Keygrip would sign, key rotation included.
 */
const secrets = [randomBytes(32).toString('base64url'), randomBytes(32).toString('base64url'), 'a key with ünïcode'];
const cookies = ['_session=' + randomBytes(16).toString('base64url'), '_interaction=abc', 'x=', '_resume.legacy=ü€😀'];

describe('cookie signatures', () => {
  it('are the ones Keygrip makes, and each verifies with the key Keygrip would say signed it', () => {
    const keygrip = new Keygrip(secrets);
    const ours = new CookieKeys(secrets);
    for (const cookie of cookies) {
      expect(ours.sign(cookie)).toBe(keygrip.sign(cookie));
      secrets.forEach((_, i) => {
        const signedWithKey = new Keygrip([secrets[i]!]).sign(cookie);
        expect(ours.index(cookie, signedWithKey)).toBe(i);
        expect(ours.verify(cookie, signedWithKey)).toBe(true);
      });
    }
  });

  it('refuse a signature of other data, by another key, altered or missing', () => {
    const ours = new CookieKeys(secrets.slice(0, 1));
    const signed = ours.sign('_session=abc');
    expect(ours.index('_session=abd', signed)).toBe(-1);
    expect(ours.index('_session=abc', new Keygrip([secrets[1]!]).sign('_session=abc'))).toBe(-1);
    expect(ours.index('_session=abc', signed.slice(0, -1) + (signed.endsWith('A') ? 'B' : 'A'))).toBe(-1);
    expect(ours.index('_session=abc', signed + '=')).toBe(-1);
    expect(ours.index('_session=abc', '')).toBe(-1);
    expect(ours.verify('_session=abc', undefined as unknown as string)).toBe(false);
  });
});
